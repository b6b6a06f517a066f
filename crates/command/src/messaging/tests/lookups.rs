//! Answers: from the provider, from the job store, `checking`, unavailable, refused.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::*;

#[tokio::test]
async fn file_provider_answers_yes_and_no_at_once_and_results_are_reused() {
    let provider = Counting::new(table());
    let f = fixture(provider.clone(), settings());

    // The documented example: no country, so the default (ID) applies (dialects.md A15).
    let answer = f
        .service
        .lookup(&tenant(), request("81387300008"))
        .await
        .unwrap();
    assert_eq!(
        answer,
        LookupAnswer::Registered {
            number: e164("+6281387300008"),
            details: yes_details(),
        }
    );
    let answer = f
        .service
        .lookup(
            &tenant(),
            LookupRequest {
                country: Some("ph".to_owned()),
                ..request("0917 123 4567")
            },
        )
        .await
        .unwrap();
    assert_eq!(
        answer,
        LookupAnswer::NotRegistered {
            number: e164("+639171234567")
        }
    );
    assert_eq!(provider.calls(), 2);

    // The job is a document of the client, keyed by the E.164 number.
    let document = f
        .store
        .get_document(&tenant(), JOB_KIND, "+6281387300008")
        .unwrap()
        .expect("job stored");
    assert_eq!(document.value["state"]["done"]["result"]["whatsapp"], "yes");

    // Asked again in another spelling: answered from the job, the provider is not asked.
    let again = f
        .service
        .lookup(&tenant(), request("+62 813-8730-0008"))
        .await
        .unwrap();
    assert_eq!(again, answer_yes());
    assert_eq!(provider.calls(), 2);

    // Another client's jobs are its own.
    let other = TenantId::from("client-b");
    assert_eq!(
        f.service
            .lookup(&other, request("81387300008"))
            .await
            .unwrap(),
        answer_yes()
    );
    assert_eq!(provider.calls(), 3);
}

#[tokio::test]
async fn results_older_than_the_ttl_are_looked_up_again() {
    let provider = Counting::new(table());
    let f = fixture(
        provider.clone(),
        LookupSettings {
            result_ttl_secs: 0,
            ..settings()
        },
    );
    for _ in 0..2 {
        assert_eq!(
            f.service
                .lookup(&tenant(), request("81387300008"))
                .await
                .unwrap(),
            answer_yes()
        );
    }
    assert_eq!(provider.calls(), 2);
}

#[tokio::test]
async fn a_slow_lookup_answers_checking_then_the_result() {
    let provider = Counting::new(table());
    let f = fixture(
        provider.clone(),
        LookupSettings {
            answer_within_ms: 50,
            ..settings()
        },
    );
    let vn = LookupRequest {
        country: Some("VN".to_owned()),
        ..request("0912 345 678")
    };
    let started = Instant::now();
    let checking = LookupAnswer::Checking {
        number: e164("+84912345678"),
    };
    assert_eq!(
        f.service.lookup(&tenant(), vn.clone()).await.unwrap(),
        checking
    );
    // Answered after `answer_within_ms`, without waiting for the provider's 300 ms.
    assert!(started.elapsed() >= Duration::from_millis(50));
    let job = f
        .service
        .job(&tenant(), &e164("+84912345678"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.state, JobState::Checking);

    // Polling by re-submitting joins the lookup under way instead of starting another.
    assert_eq!(
        f.service.lookup(&tenant(), vn.clone()).await.unwrap(),
        checking
    );
    assert_eq!(provider.calls(), 1);

    wait_for_job(&f.service, "+84912345678", "the delayed result", is_done).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(
        f.service.lookup(&tenant(), vn).await.unwrap(),
        LookupAnswer::NotRegistered {
            number: e164("+84912345678")
        }
    );
    assert_eq!(provider.calls(), 1);
}

// On two worker threads, so that the requests race for real.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_share_one_lookup() {
    let provider = Counting::new(table());
    let f = fixture(provider.clone(), settings());
    let client = tenant();
    let ask = || {
        f.service.lookup(
            &client,
            LookupRequest {
                country: Some("IN".to_owned()),
                ..request("98765 43210")
            },
        )
    };
    let (a, b, c) = tokio::join!(ask(), ask(), ask());
    for answer in [a, b, c] {
        assert!(
            matches!(answer.unwrap(), LookupAnswer::Registered { ref number, .. } if number.as_str() == "+919876543210")
        );
    }
    assert_eq!(provider.calls(), 1);
}

#[tokio::test]
async fn invalid_input_is_refused_before_anything_is_stored() {
    let provider = Counting::new(table());
    let f = fixture(
        provider.clone(),
        LookupSettings {
            countries: Some(vec!["PH".to_owned(), "VN".to_owned(), "IN".to_owned()]),
            ..settings()
        },
    );
    let refuse = |request: LookupRequest| {
        let service = f.service.clone();
        async move { service.lookup(&tenant(), request).await.unwrap_err() }
    };
    assert!(matches!(
        refuse(request("")).await,
        LookupError::InvalidNumber(NumberError::Empty)
    ));
    assert!(matches!(
        refuse(request("not a number")).await,
        LookupError::InvalidNumber(NumberError::BadCharacters)
    ));
    assert!(matches!(
        refuse(request("12")).await,
        LookupError::InvalidNumber(NumberError::NotANumber)
    ));
    assert!(matches!(
        refuse(LookupRequest {
            country: Some("XX".to_owned()),
            ..request("09171234567")
        })
        .await,
        LookupError::UnknownCountry(_)
    ));
    // Well formed, but Indonesia is not in this deployment's list (dialects.md A16: FAIL).
    match refuse(request("81387300008")).await {
        LookupError::UnsupportedCountry { country } => {
            assert_eq!(country.as_ref().map(Country::code), Some("ID"))
        }
        other => panic!("{other:?}"),
    }
    let ph = |callback: &str| LookupRequest {
        country: Some("PH".to_owned()),
        ..with_callback("09171234567", callback)
    };
    assert!(matches!(
        refuse(ph("http://localhost:9/cb")).await,
        LookupError::CallbackNotAllowed { host } if host == "localhost"
    ));
    assert!(matches!(
        refuse(ph("https://hooks.example.com/cb")).await,
        LookupError::CallbackNotAllowed { .. }
    ));
    assert!(matches!(
        refuse(ph("ftp://127.0.0.1/cb")).await,
        LookupError::InvalidCallback(CallbackProblem::NotHttp)
    ));
    assert!(matches!(
        refuse(ph("/relative")).await,
        LookupError::InvalidCallback(CallbackProblem::NotAUrl)
    ));
    assert_eq!(provider.calls(), 0);
    assert_eq!(f.store.documents_of_kind(JOB_KIND).count(), 0);

    // The default settings allow no callback host at all.
    let closed = fixture(Arc::new(table()), LookupSettings::default());
    assert!(matches!(
        closed
            .service
            .lookup(
                &tenant(),
                with_callback("81387300008", "http://127.0.0.1:9/")
            )
            .await,
        Err(LookupError::CallbackNotAllowed { .. })
    ));
}

#[tokio::test]
async fn no_provider_is_unavailable_and_says_so() {
    let receiver = Receiver::start(vec![], Reply::Status(200)).await;
    let provider = Counting::new(NoProvider);
    let f = fixture(provider.clone(), settings());
    assert_eq!(f.service.provider_name(), "none");

    assert!(matches!(
        f.service.lookup(&tenant(), request("81387300008")).await,
        Err(LookupError::ServiceUnavailable { .. })
    ));
    let with_status = LookupRequest {
        service_status: true,
        ..request("81387300008")
    };
    assert_eq!(
        f.service.lookup(&tenant(), with_status).await.unwrap(),
        LookupAnswer::Unavailable {
            number: e164("+6281387300008")
        }
    );
    // Unavailable is never answered from the store: each request asks again.
    assert_eq!(provider.calls(), 2);

    // Without servstatus the request itself is the answer, and the callback has nothing to say.
    assert!(matches!(
        f.service
            .lookup(&tenant(), with_callback("81387300008", &receiver.url("/a")))
            .await,
        Err(LookupError::ServiceUnavailable { .. })
    ));
    let job = f
        .service
        .job(&tenant(), &e164("+6281387300008"))
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(job.state, JobState::Unavailable { .. }));
    assert_eq!(delivery(&job), Some(DeliveryState::Failed));

    // With servstatus=y the callback reports `unavailable`.
    let both = LookupRequest {
        service_status: true,
        ..with_callback("81387300008", &receiver.url("/b"))
    };
    f.service.lookup(&tenant(), both).await.unwrap();
    wait_for_job(
        &f.service,
        "+6281387300008",
        "the unavailable callback",
        |j| delivery(j) == Some(DeliveryState::Delivered),
    )
    .await;
    assert_eq!(
        receiver.requests(),
        vec!["GET /b?number=%2B6281387300008&whatsapp=unavailable".to_owned()]
    );
}
