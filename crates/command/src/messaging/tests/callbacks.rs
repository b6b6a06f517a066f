//! Callback delivery: the documented query, once per job, retries, timeouts.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::*;

#[tokio::test]
async fn a_callback_is_delivered_once_with_the_documented_query() {
    let receiver = Receiver::start(vec![], Reply::Status(200)).await;
    let f = fixture(Arc::new(table()), settings());
    let hook = receiver.url("/hook?client=a");

    // A quick result is answered at once, and called back too.
    let answer = f
        .service
        .lookup(&tenant(), with_callback("81387300008", &hook))
        .await
        .unwrap();
    assert_eq!(answer, answer_yes());
    let job = wait_for_job(&f.service, "+6281387300008", "the callback", |j| {
        delivery(j) == Some(DeliveryState::Delivered)
    })
    .await;
    let callback = job.callback.unwrap();
    assert_eq!((callback.attempts, callback.last_error), (1, None));
    assert_eq!(
        receiver.requests(),
        vec![format!("GET /hook?client=a&{YES_QUERY}")]
    );

    // "Please do not call back the same number multiple times": asked again with a callback,
    // the known result is answered and not called back again.
    let again = f
        .service
        .lookup(
            &tenant(),
            with_callback("81387300008", &receiver.url("/other")),
        )
        .await
        .unwrap();
    assert_eq!(again, answer_yes());

    // A `no` result carries only the number and the verdict.
    f.service
        .lookup(
            &tenant(),
            LookupRequest {
                country: Some("PH".to_owned()),
                ..with_callback("09171234567", &receiver.url("/"))
            },
        )
        .await
        .unwrap();
    wait_for_job(&f.service, "+639171234567", "the `no` callback", |j| {
        delivery(j) == Some(DeliveryState::Delivered)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(
        receiver.requests(),
        vec![
            format!("GET /hook?client=a&{YES_QUERY}"),
            "GET /?number=%2B639171234567&whatsapp=no".to_owned(),
        ]
    );
}

#[tokio::test]
async fn a_slow_result_is_called_back_when_known() {
    let receiver = Receiver::start(vec![], Reply::Status(204)).await;
    let f = fixture(
        Arc::new(table()),
        LookupSettings {
            answer_within_ms: 20,
            ..settings()
        },
    );
    let first = LookupRequest {
        country: Some("IN".to_owned()),
        ..with_callback("9876543210", &receiver.url("/first"))
    };
    assert_eq!(
        f.service.lookup(&tenant(), first).await.unwrap(),
        LookupAnswer::Checking {
            number: e164("+919876543210")
        }
    );
    // A second request while checking names another URL: one delivery per job, the first.
    let second = with_callback("+91 98765 43210", &receiver.url("/second"));
    f.service.lookup(&tenant(), second).await.unwrap();
    assert!(
        receiver.requests().is_empty(),
        "no callback before the result"
    );

    wait_for_job(&f.service, "+919876543210", "the callback", |j| {
        delivery(j) == Some(DeliveryState::Delivered)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        receiver.requests(),
        vec![
            "GET /first?number=%2B919876543210&whatsapp=yes&status_update=20240131\
             &signature=Hey+there&business_user=yes&avatar=no"
                .to_owned()
        ]
    );
}

#[tokio::test]
async fn a_failing_receiver_is_retried_with_growing_gaps() {
    let receiver = Receiver::start(
        vec![Reply::Status(500), Reply::Status(500)],
        Reply::Status(200),
    )
    .await;
    let f = fixture(
        Arc::new(table()),
        LookupSettings {
            callback_backoff_ms: 60,
            ..settings()
        },
    );
    f.service
        .lookup(
            &tenant(),
            with_callback("81387300008", &receiver.url("/cb")),
        )
        .await
        .unwrap();
    let job = wait_for_job(&f.service, "+6281387300008", "delivery", |j| {
        delivery(j) == Some(DeliveryState::Delivered)
    })
    .await;
    assert_eq!(job.callback.unwrap().attempts, 3);
    let times = receiver.times();
    assert_eq!(times.len(), 3);
    let (first_gap, second_gap) = (times[1] - times[0], times[2] - times[1]);
    assert!(first_gap >= Duration::from_millis(60), "{first_gap:?}");
    assert!(second_gap >= Duration::from_millis(120), "{second_gap:?}");
    assert!(second_gap > first_gap);
    let expected = format!("GET /cb?{YES_QUERY}");
    assert!(receiver.requests().iter().all(|r| *r == expected));
}

#[tokio::test]
async fn a_silent_receiver_times_out_and_the_job_records_failed() {
    let receiver = Receiver::start(vec![], Reply::Silent).await;
    let f = fixture(
        Arc::new(table()),
        LookupSettings {
            callback_attempts: 2,
            callback_backoff_ms: 20,
            callback_timeout_ms: 150,
            ..settings()
        },
    );
    let started = Instant::now();
    f.service
        .lookup(
            &tenant(),
            with_callback("81387300008", &receiver.url("/cb")),
        )
        .await
        .unwrap();
    let job = wait_for_job(&f.service, "+6281387300008", "the failure", |j| {
        delivery(j) == Some(DeliveryState::Failed)
    })
    .await;
    assert!(started.elapsed() >= Duration::from_millis(2 * 150 + 20));
    let callback = job.callback.unwrap();
    assert_eq!(callback.attempts, 2);
    assert_eq!(callback.last_error.as_deref(), Some("timed out"));
    assert!(callback.finished_at_ms.is_some());
    assert_eq!(receiver.requests().len(), 2);

    // A failed delivery may be asked for again: the client did not get one.
    f.service
        .lookup(
            &tenant(),
            with_callback("81387300008", &receiver.url("/again")),
        )
        .await
        .unwrap();
    let job = wait_for_job(&f.service, "+6281387300008", "the second failure", |j| {
        j.callback
            .as_ref()
            .is_some_and(|c| c.url.ends_with("/again") && !c.is_pending())
    })
    .await;
    assert_eq!(delivery(&job), Some(DeliveryState::Failed));
    assert_eq!(receiver.requests().len(), 4);
}
