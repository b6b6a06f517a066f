//! The `aisolution` dialect over real HTTP against the real binary, with real photos: every route and
//! every documented status, tenant isolation, and persistence across restarts.

mod common;

use common::{
    base64_of, client, face, start_gateway_with, to_reply, Gateway, GatewayOptions, Reply,
};
use serde_json::Value;

const TOKEN_A: &str = "token-a";
const TOKEN_B: &str = "token-b";
const GROUP_A: &str = "LxiKPLIMGFpXzXas";

fn options() -> GatewayOptions {
    GatewayOptions::default().env(
        "EKYC_AISOLUTION_TOKENS",
        format!("{TOKEN_A}:{GROUP_A},{TOKEN_B}"),
    )
}

fn post(gateway: &Gateway, route: &str, token: &str, fields: &[(&str, &str)]) -> Reply {
    let url = gateway.url(&format!("/v1/{route}?token={token}"));
    to_reply(
        client()
            .post(url)
            .form(fields)
            .send()
            .expect("request sent"),
    )
}

fn status(reply: &Reply) -> &str {
    reply.body["status"].as_str().unwrap_or_default()
}

/// The reply is HTTP 200 with this body status (spec A3).
fn assert_status(reply: &Reply, expected: &str) {
    assert_eq!(reply.status, 200, "{}", reply.raw);
    assert_eq!(status(reply), expected, "{}", reply.raw);
}

fn photos(names: &[&str]) -> Option<Vec<String>> {
    names
        .iter()
        .map(|name| face(name).map(|bytes| base64_of(&bytes)))
        .collect()
}

#[test]
fn facecompare_judges_real_photos_and_reports_each_documented_status() {
    let Some(p) = photos(&[
        "obama_1.jpg",
        "obama_2.jpg",
        "biden_1.jpg",
        "noface_coffee.png",
    ]) else {
        return;
    };
    let (obama_1, obama_2, biden, coffee) = (&p[0], &p[1], &p[2], &p[3]);
    let gateway = start_gateway_with(options());

    let same = post(
        &gateway,
        "facecompare",
        TOKEN_A,
        &[("img1", obama_1), ("img2", obama_2)],
    );
    assert_status(&same, "OK");
    assert_eq!(
        same.body["message"]["result"], "SAME PERSON",
        "{}",
        same.raw
    );
    let similarity = same.body["message"]["similarity"]
        .as_f64()
        .expect("a number");
    assert!((70.0..=100.0).contains(&similarity), "{similarity}");
    // Three decimals at most, like the seed's 97.501.
    assert!(((similarity * 1000.0).round() - similarity * 1000.0).abs() < 1e-6);

    let different = post(
        &gateway,
        "facecompare",
        TOKEN_A,
        &[("img1", obama_1), ("img2", biden)],
    );
    assert_status(&different, "OK");
    assert_eq!(
        different.body["message"]["result"], "NOT SAME PERSON",
        "{}",
        different.raw
    );
    assert!(different.body["message"]["similarity"].as_f64().unwrap() < 50.0);

    // A7: IMAGEA for img1, IMAGEB for img2, under RETRY_LATER (`003:L78-81`).
    let no_face_b = post(
        &gateway,
        "facecompare",
        TOKEN_A,
        &[("img1", obama_1), ("img2", coffee)],
    );
    assert_status(&no_face_b, "RETRY_LATER");
    assert_eq!(no_face_b.body["message"], "IMAGEB_FACE_DETECT_FAILED");
    let no_face_a = post(
        &gateway,
        "facecompare",
        TOKEN_A,
        &[("img1", coffee), ("img2", obama_1)],
    );
    assert_eq!(no_face_a.body["message"], "IMAGEA_FACE_DETECT_FAILED");

    // A19/A20: missing and undecodable parameters are INVALID_REQUEST naming the parameter.
    let missing = post(&gateway, "facecompare", TOKEN_A, &[("img1", obama_1)]);
    assert_status(&missing, "INVALID_REQUEST");
    assert!(
        missing.body["message"].as_str().unwrap().contains("img2"),
        "{}",
        missing.raw
    );
    let not_base64 = post(
        &gateway,
        "facecompare",
        TOKEN_A,
        &[("img1", "%%%"), ("img2", obama_1)],
    );
    assert_status(&not_base64, "INVALID_REQUEST");
    assert!(not_base64.body["message"]
        .as_str()
        .unwrap()
        .contains("img1"));
    let not_image = base64_of(b"this is plain text, not any image format at all");
    let undecodable = post(
        &gateway,
        "facecompare",
        TOKEN_A,
        &[("img1", obama_1), ("img2", &not_image)],
    );
    assert_status(&undecodable, "INVALID_REQUEST");
    assert!(undecodable.body["message"]
        .as_str()
        .unwrap()
        .contains("img2"));

    // A8: over 2 MiB decoded -> the documented message (`003:L69-72`).
    let big = base64_of(&vec![0xA5u8; 2 * 1024 * 1024 + 1]);
    let too_large = post(
        &gateway,
        "facecompare",
        TOKEN_A,
        &[("img1", &big), ("img2", obama_1)],
    );
    assert_status(&too_large, "IMAGE_INVALID_SIZE");
    assert_eq!(too_large.body["message"], "image larger than 2M");

    // A2: missing or unknown token.
    let bad_token = post(
        &gateway,
        "facecompare",
        "nope",
        &[("img1", obama_1), ("img2", obama_2)],
    );
    assert_status(&bad_token, "INVALID_REQUEST");
    assert_eq!(bad_token.body["message"], "invalid token");
    let no_token = to_reply(
        client()
            .post(gateway.url("/v1/facecompare"))
            .form(&[("img1", obama_1.as_str())])
            .send()
            .unwrap(),
    );
    assert_eq!(no_token.body["message"], "invalid token");

    // Multipart bodies are read like forms (spec 5.2).
    let form = reqwest::blocking::multipart::Form::new()
        .text("img1", obama_1.clone())
        .text("img2", obama_2.clone());
    let multipart = to_reply(
        client()
            .post(gateway.url(&format!("/v1/facecompare?token={TOKEN_A}")))
            .multipart(form)
            .send()
            .unwrap(),
    );
    assert_eq!(
        multipart.body["message"]["result"], "SAME PERSON",
        "{}",
        multipart.raw
    );

    // A3: 405 for another method, 404 for another path, in the same envelope.
    let get = to_reply(
        client()
            .get(gateway.url(&format!("/v1/facecompare?token={TOKEN_A}")))
            .send()
            .unwrap(),
    );
    assert_eq!(get.status, 405, "{}", get.raw);
    assert_eq!(status(&get), "INVALID_REQUEST");
    let unknown = post(&gateway, "ocr", TOKEN_A, &[]);
    assert_eq!(unknown.status, 404, "{}", unknown.raw);
}

#[test]
fn addface_searchface_delface_keep_persons_per_client() {
    let Some(p) = photos(&[
        "obama_1.jpg",
        "obama_2.jpg",
        "obama_3.jpg",
        "biden_1.jpg",
        "biden_2.jpg",
        "noface_rocket.jpg",
    ]) else {
        return;
    };
    let (obama_1, obama_2, obama_3, biden_1, biden_2, rocket) =
        (&p[0], &p[1], &p[2], &p[3], &p[4], &p[5]);
    let dir = tempfile::tempdir().unwrap();
    let mut gateway = start_gateway_with(options().data_dir(dir.path()));

    // A new person, then the same person again: person_count grows (A10).
    let first = post(&gateway, "addface", TOKEN_A, &[("img", obama_1)]);
    assert_status(&first, "OK");
    let obama = first.body["message"]["person_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(obama.len(), 20, "xid-style id: {obama}");
    assert_eq!(first.body["message"]["group_id"], GROUP_A);
    assert_eq!(first.body["message"]["person_count"], 1);
    let second = post(&gateway, "addface", TOKEN_A, &[("img", obama_2)]);
    assert_status(&second, "OK");
    assert_eq!(
        second.body["message"]["person_id"],
        obama.as_str(),
        "{}",
        second.raw
    );
    assert_eq!(second.body["message"]["person_count"], 2);
    let other = post(&gateway, "addface", TOKEN_A, &[("img", biden_1)]);
    let biden = other.body["message"]["person_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(biden, obama);
    assert_eq!(other.body["message"]["person_count"], 1);

    // No face: the documented failure object with a fresh id and count 0 (`003:L243-250`).
    let no_face = post(&gateway, "addface", TOKEN_A, &[("img", rocket)]);
    assert_status(&no_face, "FACE_DETECT_FAILED");
    assert_eq!(no_face.body["message"]["group_id"], GROUP_A);
    assert_eq!(no_face.body["message"]["person_count"], 0);
    let fresh = no_face.body["message"]["person_id"].as_str().unwrap();
    assert_eq!(fresh.len(), 20);
    assert!(fresh != obama && fresh != biden);

    // Search: the right person first, immediately after enrolment, confidence 0-100.
    let found = post(&gateway, "searchface", TOKEN_A, &[("img", obama_3)]);
    assert_status(&found, "OK");
    let hits = found.body["message"].as_array().expect("a list").clone();
    assert_eq!(hits[0]["person_id"], obama.as_str(), "{}", found.raw);
    let confidence = hits[0]["confidence"].as_u64().expect("an integer");
    assert!((50..=100).contains(&confidence), "{confidence}");
    assert!(
        hits.iter().all(|h| h["person_id"] != biden.as_str()),
        "{}",
        found.raw
    );
    let biden_found = post(&gateway, "searchface", TOKEN_A, &[("img", biden_2)]);
    assert_eq!(biden_found.body["message"][0]["person_id"], biden.as_str());
    let nothing = post(&gateway, "searchface", TOKEN_A, &[("img", rocket)]);
    assert_status(&nothing, "FACE_DETECT_FAILED");
    assert_eq!(nothing.body["message"], Value::Array(vec![]));

    // Isolation: client B sees none of A's persons and cannot delete them.
    let b_search = post(&gateway, "searchface", TOKEN_B, &[("img", obama_3)]);
    assert_status(&b_search, "OK");
    assert_eq!(
        b_search.body["message"],
        Value::Array(vec![]),
        "{}",
        b_search.raw
    );
    let b_delete = post(&gateway, "delface", TOKEN_B, &[("person_id", &obama)]);
    assert_status(&b_delete, "PERSON_ID_NOT_EXIST");
    assert_eq!(b_delete.body["message"], Value::Null);
    let b_add = post(&gateway, "addface", TOKEN_B, &[("img", obama_3)]);
    assert_ne!(
        b_add.body["message"]["person_id"],
        obama.as_str(),
        "{}",
        b_add.raw
    );
    assert_eq!(b_add.body["message"]["person_count"], 1);
    assert_ne!(b_add.body["message"]["group_id"], GROUP_A);

    // Everything survives a restart (the index is rebuilt from the store).
    gateway.signal("TERM");
    assert!(gateway
        .wait_exit(std::time::Duration::from_secs(30))
        .is_some());
    drop(gateway);
    let gateway = start_gateway_with(options().data_dir(dir.path()));
    let again = post(&gateway, "searchface", TOKEN_A, &[("img", obama_3)]);
    assert_eq!(
        again.body["message"][0]["person_id"],
        obama.as_str(),
        "{}",
        again.raw
    );

    // delface removes the person and all its faces.
    let missing = post(&gateway, "delface", TOKEN_A, &[]);
    assert_status(&missing, "INVALID_REQUEST");
    assert!(missing.body["message"]
        .as_str()
        .unwrap()
        .contains("person_id"));
    let deleted = post(&gateway, "delface", TOKEN_A, &[("person_id", &obama)]);
    assert_status(&deleted, "OK");
    assert_eq!(deleted.body["message"], Value::Null);
    let gone = post(&gateway, "searchface", TOKEN_A, &[("img", obama_3)]);
    let hits = gone.body["message"].as_array().expect("a list");
    assert!(
        hits.iter().all(|h| h["person_id"] != obama.as_str()),
        "{}",
        gone.raw
    );
    let twice = post(&gateway, "delface", TOKEN_A, &[("person_id", &obama)]);
    assert_status(&twice, "PERSON_ID_NOT_EXIST");
    // B's own enrolment of the same face is untouched by A's delete.
    let b_still = post(&gateway, "searchface", TOKEN_B, &[("img", obama_1)]);
    assert_eq!(
        b_still.body["message"].as_array().map(Vec::len),
        Some(1),
        "{}",
        b_still.raw
    );
}
