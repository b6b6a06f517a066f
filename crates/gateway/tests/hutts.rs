//! The hutts dialect over real HTTP with the real binary, on its own listener (a Hutts client's
//! `http://localhost:5000/<route>`) and on the shared one. The ID cards are **synthetic** South
//! African smart ID fronts rendered by the test suite from real fonts and a real face photo
//! (`testdata::render_za_smart_id`: the shared data holds no South African ID specimen), as a scan
//! and as a photo of the card lying turned and tilted in a real scene.

mod common;

use base64::Engine as _;
use common::{client, start_gateway_with, to_reply, Gateway, GatewayOptions, Reply};
use serde_json::{json, Value};
use testdata::{sample_za_fields, za_card_scan_and_photo, CardPose};

/// The sample card photographed: turned and tilted in a real scene, blurred, JPEG.
fn card_photo() -> Option<Vec<u8>> {
    let pose = CardPose {
        center: (0.5, 0.5),
        width_fraction: 0.62,
        rotation_degrees: -5.0,
        tilt: (0.02, 0.03),
        corner_radius: testdata::ID1_CORNER_RADIUS,
    };
    za_card_scan_and_photo(&sample_za_fields(), "faces/noface_coffee.png", &pose, 0.7)
        .map(|(_, photo)| photo)
}

fn data_uri(bytes: &[u8]) -> String {
    format!(
        "data:image/jpeg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

fn post(gateway: &Gateway, own_listener: bool, route: &str, body: &Value) -> Reply {
    let url = if own_listener {
        format!("http://{}{route}", gateway.hutts)
    } else {
        gateway.url(route)
    };
    to_reply(client().post(url).json(body).send().expect("POST"))
}

fn post_raw(gateway: &Gateway, route: &str, content_type: &str, body: &'static str) -> Reply {
    to_reply(
        client()
            .post(format!("http://{}{route}", gateway.hutts))
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .expect("POST"),
    )
}

fn gateway() -> Gateway {
    start_gateway_with(GatewayOptions::default())
}

#[test]
fn extract_routes_read_the_card_on_both_listeners() {
    let Some(photo) = card_photo() else { return };
    let gateway = gateway();
    let expected = json!({
        "country_of_birth": "South Africa",
        "date_of_birth": "1990-01-02",
        "identity_number": "9001020123088",
        "names": "THANDIWE NOMSA",
        "sex": "F",
        "status": "Citizen",
        "surname": "MOKOENA",
    });
    for own in [true, false] {
        let reply = post(
            &gateway,
            own,
            "/extractText",
            &json!({"idPhoto": data_uri(&photo)}),
        );
        assert_eq!(reply.status, 200, "{}", reply.raw);
        assert_eq!(reply.body, expected, "own listener {own}");
    }
    // H2: the seed's `data: image/jpeg` with a space, and bare base64, both read.
    let spaced = data_uri(&photo).replacen("data:", "data: ", 1);
    let reply = post(&gateway, true, "/extractText", &json!({"idPhoto": spaced}));
    assert_eq!(reply.body, expected);

    let reply = post(
        &gateway,
        true,
        "/extractAll",
        &json!({"idPhoto": data_uri(&photo)}),
    );
    assert_eq!(reply.status, 200, "{}", reply.raw);
    assert_eq!(reply.body["text_extract_result"], expected);
    let face = reply.body["extracted_face"]
        .as_str()
        .expect("extracted_face");
    let face = face
        .strip_prefix("data:image/jpg;base64,")
        .expect("a data URI, as the Hutts server sent it");
    let face = base64::engine::general_purpose::STANDARD
        .decode(face)
        .unwrap();
    let face = image::load_from_memory(&face).expect("a JPEG");
    assert!(
        face.width() >= 60 && face.height() >= 60,
        "{}x{}",
        face.width(),
        face.height()
    );

    let reply = post(
        &gateway,
        true,
        "/extractFace",
        &json!({"idPhoto": base64::engine::general_purpose::STANDARD.encode(&photo)}),
    );
    assert_eq!(reply.status, 200, "{}", reply.raw);
    assert!(reply.body["extracted_face"]
        .as_str()
        .unwrap()
        .starts_with("data:image/jpg;base64,"));
}

#[test]
fn verify_id_scores_face_and_text() {
    let Some(photo) = card_photo() else { return };
    let Some(owner) = common::face("obama_2.jpg") else {
        return;
    };
    let Some(stranger) = common::face("biden_1.jpg") else {
        return;
    };
    let gateway = gateway();
    let claim = |face: &[u8], names: &str, verbose: bool| {
        json!({
            "cob": "South Africa",
            "dob": "1990-01-02",
            "face_img": data_uri(face),
            "gender": "Female",
            "idNumber": "9001020123088",
            "id_img": data_uri(&photo),
            "names": names,
            "nationality": "RSA",
            "status": "Citizen",
            "surname": "Mokoena",
            "verbose_verify": verbose,
            "verification_threshold": 75,
        })
    };
    let reply = post(
        &gateway,
        true,
        "/verifyID",
        &claim(&owner, "Thandiwe Nomsa", false),
    );
    assert_eq!(reply.status, 200, "{}", reply.raw);
    let body = &reply.body;
    let face = body["face_match"].as_f64().unwrap();
    let text = body["text_match"].as_f64().unwrap();
    assert!(face >= 70.0, "the owner's face: {face}");
    assert_eq!(text, 100.0, "every claimed field as printed: {body}");
    assert_eq!(body["is_match"], true);
    assert_eq!(body["is_pass"], true);
    let total = body["total_match"].as_f64().unwrap();
    assert!((total - (0.4 * text + 0.6 * face)).abs() < 1e-9, "{body}");

    // Another face and other names: no match, text below the pass mark; verbose per field.
    let reply = post(
        &gateway,
        true,
        "/verifyID",
        &claim(&stranger, "Sipho", true),
    );
    assert_eq!(reply.status, 200, "{}", reply.raw);
    let body = &reply.body;
    assert!(body["face_match"].as_f64().unwrap() < 60.0, "{body}");
    assert_eq!(body["is_match"], false);
    let verbose = &body["text_match"];
    assert_eq!(verbose["names"]["extracted_field_value"], "THANDIWE NOMSA");
    assert_eq!(verbose["names"]["verifier_field_value"], "Sipho");
    assert!(
        verbose["names"]["match_percentage"].as_f64().unwrap() < 50.0,
        "{verbose}"
    );
    assert_eq!(verbose["surname"]["match_percentage"], 100.0);
    let total_text = verbose["total"].as_f64().unwrap();
    assert!(total_text < 100.0 && total_text > 50.0, "{verbose}");
    assert_eq!(body["is_pass"], json!(total_text >= 75.0));
}

#[test]
fn bad_input_gets_the_error_shape() {
    let Some(no_face) = common::face("noface_coffee.png") else {
        return;
    };
    let gateway = gateway();
    let check = |reply: Reply, status: u16, error: &str| {
        assert_eq!(reply.status, status, "{}", reply.raw);
        assert_eq!(
            reply.body,
            json!({"success": false, "error": error}),
            "{}",
            reply.raw
        );
    };
    check(
        post(&gateway, true, "/extractText", &json!({})),
        400,
        "missing field: idPhoto",
    );
    check(
        post(&gateway, true, "/extractFace", &json!({"idPhoto": 7})),
        400,
        "missing field: idPhoto",
    );
    check(
        post(
            &gateway,
            true,
            "/extractAll",
            &json!({"idPhoto": "not*base64!"}),
        ),
        400,
        "invalid image: idPhoto",
    );
    check(
        post(
            &gateway,
            true,
            "/extractFace",
            &json!({"idPhoto": data_uri(b"plain text, not an image")}),
        ),
        400,
        "invalid image: idPhoto",
    );
    check(
        post(
            &gateway,
            true,
            "/extractFace",
            &json!({"idPhoto": data_uri(&no_face)}),
        ),
        400,
        "no face detected in idPhoto",
    );
    check(
        post(
            &gateway,
            true,
            "/extractText",
            &json!({"idPhoto": data_uri(&no_face)}),
        ),
        400,
        "no ID document found in idPhoto",
    );
    check(
        post(
            &gateway,
            true,
            "/verifyID",
            &json!({"id_img": data_uri(&no_face)}),
        ),
        400,
        "missing field: names",
    );
    let reply = post_raw(&gateway, "/extractText", "application/json", "[1, 2]");
    check(reply, 400, "the body must be a JSON object");
    let reply = post_raw(&gateway, "/extractText", "application/json", "{not json");
    assert_eq!(
        (reply.status, reply.body["success"].clone()),
        (400, json!(false)),
        "{}",
        reply.raw
    );
    let reply = to_reply(
        client()
            .get(format!("http://{}/extractText", gateway.hutts))
            .send()
            .unwrap(),
    );
    assert_eq!(
        (reply.status, reply.body["success"].clone()),
        (405, json!(false)),
        "{}",
        reply.raw
    );
    let reply = to_reply(
        client()
            .post(format!("http://{}/nothing", gateway.hutts))
            .send()
            .unwrap(),
    );
    assert_eq!(
        (reply.status, reply.body["success"].clone()),
        (404, json!(false)),
        "{}",
        reply.raw
    );
}
