//! ST-1 over real HTTP against the real binary, with real photos: scores on the vendor's scale, and every
//! way a client may send a valid request (form, multipart, chunked, unencoded `+`, options, own listener).

mod common;

use std::io::Cursor;

use common::*;

/// Same person: above the vendor's recommended threshold of 0.7 (`001:L119`).
const GENUINE_PAIRS: &[(&str, &str)] = &[
    ("obama_1.jpg", "obama_2.jpg"),
    ("biden_1.jpg", "biden_2.jpg"),
    ("kit_harington_1.jpg", "kit_harington_2.jpg"),
    ("alex_lacamoire_1.jpg", "alex_lacamoire_2.jpg"),
];

/// Different people: below 0.5 (a false accept at 1/100 or rarer on the vendor's curve).
const IMPOSTOR_PAIRS: &[(&str, &str)] = &[
    ("obama_1.jpg", "biden_1.jpg"),
    ("kit_harington_1.jpg", "rose_leslie_1.jpg"),
    ("obama_2.jpg", "kit_harington_2.jpg"),
    ("biden_2.jpg", "alex_lacamoire_1.jpg"),
    ("rose_leslie_2.jpg", "kate_siegel_1.jpg"),
    ("paul_rudd_1.jpg", "shea_whigham_1.jpg"),
];

fn pair(first: &str, second: &str) -> Option<(Vec<u8>, Vec<u8>)> {
    Some((face(first)?, face(second)?))
}

#[test]
fn same_person_pairs_score_above_0_7_and_different_people_below_0_5() {
    let gateway = start_gateway();
    let mut failures = Vec::new();
    for (expect_same, pairs) in [(true, GENUINE_PAIRS), (false, IMPOSTOR_PAIRS)] {
        for (first, second) in pairs {
            let Some((a, b)) = pair(first, second) else {
                continue;
            };
            let reply = compare(&gateway, &a, &b, &[]);
            assert_eq!(
                (reply.status, reply.code()),
                (200, Some(1000)),
                "{first} vs {second}: {}",
                reply.raw
            );
            reply.assert_request_id();
            let score = reply.score();
            eprintln!("{first} vs {second}: verification_score {score:.4}");
            assert!((0.0..=1.0).contains(&score), "score in [0,1]: {score}");
            let ok = if expect_same {
                score > 0.7
            } else {
                score < 0.5
            };
            if !ok {
                failures.push(format!(
                    "{first} vs {second}: {score:.4} (expected {})",
                    if expect_same { "> 0.7" } else { "< 0.5" }
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "scores on the wrong side:\n{}",
        failures.join("\n")
    );
}

#[test]
fn options_multipart_chunked_and_unencoded_plus_are_all_understood() {
    let Some((obama_1, obama_2)) = pair("obama_1.jpg", "obama_2.jpg") else {
        return;
    };
    let gateway = start_gateway();
    let first = encrypt(&obama_1);
    let second = encrypt(&obama_2);

    // check_quality=true on good photos still succeeds.
    let reply = compare(&gateway, &obama_1, &obama_2, &[("check_quality", "true")]);
    assert_eq!(
        reply.code(),
        Some(1000),
        "check_quality on good photos: {}",
        reply.raw
    );
    assert!(reply.score() > 0.7);

    // S3: booleans in any case and as 1/0.
    let reply = compare(
        &gateway,
        &obama_1,
        &obama_2,
        &[("auto_rotate", "TRUE"), ("check_quality", "0")],
    );
    assert_eq!(reply.code(), Some(1000), "{}", reply.raw);

    // Multipart with the same field names (best reading 3.2).
    let form = reqwest::blocking::multipart::Form::new()
        .text("first_encrypted_image", first.clone())
        .text("second_encrypted_image", second.clone())
        .text("auto_rotate", "false");
    let reply = to_reply(
        client()
            .post(gateway.url(ROUTE))
            .multipart(form)
            .send()
            .unwrap(),
    );
    assert_eq!(reply.code(), Some(1000), "multipart: {}", reply.raw);
    reply.assert_request_id();
    assert!(reply.score() > 0.7);

    // Chunked transfer encoding: no Content-Length, still not a 411.
    let body = format!(
        "first_encrypted_image={}&second_encrypted_image={}",
        urlencode(&first),
        urlencode(&second)
    );
    let chunked = reqwest::blocking::Body::new(Cursor::new(body.into_bytes()));
    let reply = to_reply(
        client()
            .post(gateway.url(ROUTE))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(chunked)
            .send()
            .unwrap(),
    );
    assert_eq!(reply.code(), Some(1000), "chunked: {}", reply.raw);

    // S2: the curl sample sends Base64 without URL-encoding, so every `+` arrives as a space.
    assert!(
        first.contains('+') || second.contains('+'),
        "the case must exercise `+`"
    );
    let raw_body =
        format!("first_encrypted_image={first}&second_encrypted_image={second}&auto_rotate=false");
    let reply = to_reply(
        client()
            .post(gateway.url(ROUTE))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(raw_body)
            .send()
            .unwrap(),
    );
    assert_eq!(reply.code(), Some(1000), "unencoded +: {}", reply.raw);
    assert!(reply.score() > 0.7);

    // URL-safe, unpadded Base64 (X4).
    let url_safe = |b64: &str| {
        b64.replace('+', "-")
            .replace('/', "_")
            .trim_end_matches('=')
            .to_owned()
    };
    let reply = post_form(
        &gateway.url(ROUTE),
        &[
            ("first_encrypted_image", &url_safe(&first)),
            ("second_encrypted_image", &url_safe(&second)),
        ],
    );
    assert_eq!(reply.code(), Some(1000), "URL-safe Base64: {}", reply.raw);
}

#[test]
fn auto_rotate_finds_a_face_turned_90_degrees() {
    let Some((obama_1, obama_2)) = pair("obama_1.jpg", "obama_2.jpg") else {
        return;
    };
    let gateway = start_gateway();
    let rotated = image::load_from_memory(&obama_2)
        .expect("decode obama_2")
        .rotate90();
    let mut rotated_jpeg = Vec::new();
    rotated
        .write_to(
            &mut Cursor::new(&mut rotated_jpeg),
            image::ImageFormat::Jpeg,
        )
        .unwrap();

    let reply = compare(
        &gateway,
        &obama_1,
        &rotated_jpeg,
        &[("auto_rotate", "true")],
    );
    assert_eq!(
        reply.code(),
        Some(1000),
        "auto_rotate=true on a rotated photo: {}",
        reply.raw
    );
    assert!(
        reply.score() > 0.7,
        "rotated same person must still match: {}",
        reply.raw
    );

    let without = compare(&gateway, &obama_1, &rotated_jpeg, &[]);
    eprintln!(
        "without auto_rotate: HTTP {} {}",
        without.status, without.raw
    );
}

#[test]
fn the_dedicated_listener_serves_the_route_and_404s_everything_else() {
    let gateway = start_gateway();
    if let Some((a, b)) = pair("biden_1.jpg", "biden_2.jpg") {
        let reply = post_form(
            &gateway.stateless_url(ROUTE),
            &[
                ("first_encrypted_image", &encrypt(&a)),
                ("second_encrypted_image", &encrypt(&b)),
            ],
        );
        assert_eq!(reply.code(), Some(1000), "{}", reply.raw);
        reply.assert_request_id();
        assert!(reply.score() > 0.7);
    }

    for path in [
        "/",
        "/healthz",
        "/identity",
        "/identity/image_verification",
        "/identity/image_verification/stateful",
    ] {
        let reply = to_reply(
            client()
                .post(gateway.stateless_url(path))
                .form(&[("a", "b")])
                .send()
                .unwrap(),
        );
        reply.assert_abnormal(404, 404, "NOT_FOUND");
    }
    // The seed's status list (`001:L197-221`) has no 405: a wrong method gets the 404 envelope.
    for method in [
        reqwest::Method::GET,
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
    ] {
        let on_own = to_reply(
            client()
                .request(method.clone(), gateway.stateless_url(ROUTE))
                .send()
                .unwrap(),
        );
        on_own.assert_abnormal(404, 404, "NOT_FOUND");
        let on_shared = to_reply(client().request(method, gateway.url(ROUTE)).send().unwrap());
        on_shared.assert_abnormal(404, 404, "NOT_FOUND");
    }
    // Under the dialect's prefix on the shared listener: the dialect's envelope too.
    let reply = to_reply(
        client()
            .get(gateway.url("/identity/unknown"))
            .send()
            .unwrap(),
    );
    reply.assert_abnormal(404, 404, "NOT_FOUND");
}

/// `application/x-www-form-urlencoded` value encoding, as Java's `URLEncoder` does it.
fn urlencode(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'*' | b'_' => {
                (byte as char).to_string()
            }
            b' ' => "+".to_owned(),
            other => format!("%{other:02X}"),
        })
        .collect()
}
