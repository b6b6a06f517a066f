//! Start-up: jobs and deliveries a stop interrupted.

use store::{Document, StoreExt};

use super::*;

#[tokio::test]
async fn resume_finishes_what_a_stop_interrupted() {
    let receiver = Receiver::start(vec![], Reply::Status(200)).await;
    let provider = Counting::new(table());
    let f = fixture(provider.clone(), settings());
    let now = store::unix_millis_now();
    let put = |job: WhatsAppJob| {
        f.store
            .put_document(&job.to_document(&tenant()).unwrap())
            .unwrap()
    };

    // Left `checking`, with a callback waiting for the result.
    put(stored_job(
        "+6281387300008",
        JobState::Checking,
        Some(CallbackJob::pending(&receiver.url("/left"), false, 1_000)),
    ));
    // Finished, but its callback was not delivered before the stop.
    put(stored_job(
        "+919876543210",
        JobState::Done {
            result: AccountLookup::NotRegistered,
            finished_at_ms: now,
        },
        Some(CallbackJob::pending(&receiver.url("/done"), false, now)),
    ));
    // Finished long ago: forgotten.
    put(stored_job(
        "+639171234567",
        JobState::Done {
            result: AccountLookup::NotRegistered,
            finished_at_ms: 1_000,
        },
        None,
    ));
    // Not a job at all.
    f.store
        .put_document(&Document {
            tenant: tenant(),
            kind: JOB_KIND.to_owned(),
            key: "+84912345678".to_owned(),
            value: serde_json::json!({"whatever": true}),
            updated_at_ms: 1_000,
        })
        .unwrap();

    let report = f.service.resume().await.unwrap();
    assert_eq!(
        report,
        ResumeReport {
            lookups: 1,
            deliveries: 1,
            expired: 1,
            unreadable: 1,
        }
    );
    let job = wait_for_job(&f.service, "+6281387300008", "the resumed lookup", |j| {
        delivery(j) == Some(DeliveryState::Delivered)
    })
    .await;
    assert!(is_done(&job));
    wait_for_job(&f.service, "+919876543210", "the resumed delivery", |j| {
        delivery(j) == Some(DeliveryState::Delivered)
    })
    .await;
    assert_eq!(
        provider.calls(),
        1,
        "only the job left checking is asked again"
    );
    let mut requests = receiver.requests();
    requests.sort();
    assert_eq!(
        requests,
        vec![
            "GET /done?number=%2B919876543210&whatsapp=no".to_owned(),
            format!("GET /left?{YES_QUERY}"),
        ]
    );
    assert!(f
        .service
        .job(&tenant(), &e164("+639171234567"))
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        f.service
            .lookup(&tenant(), request("81387300008"))
            .await
            .unwrap(),
        answer_yes()
    );
    assert_eq!(provider.calls(), 1);
}

#[tokio::test]
async fn a_job_left_checking_is_asked_again_by_the_next_request() {
    let provider = Counting::new(table());
    let f = fixture(provider.clone(), settings());
    let job = stored_job("+6281387300008", JobState::Checking, None);
    f.store
        .put_document(&job.to_document(&tenant()).unwrap())
        .unwrap();
    assert_eq!(
        f.service
            .lookup(&tenant(), request("81387300008"))
            .await
            .unwrap(),
        answer_yes()
    );
    assert_eq!(provider.calls(), 1);
    let job = f
        .service
        .job(&tenant(), &e164("+6281387300008"))
        .await
        .unwrap()
        .unwrap();
    assert_ne!(job.lookup_id, "before-the-stop-+6281387300008");
}
