//! The hutts dialect over real HTTP with the real binary, reading a South African green barcoded
//! ID book (H14: the Hutts server read the green book and the smart card). The page is
//! **synthetic**: rendered by the test suite from real fonts, a real face photo and a Code 39
//! symbol drawn by rxing's writer (`testdata::render_za_green_book`: the shared data holds no
//! South African ID specimen), then photographed: pasted turned and tilted into a real scene,
//! blurred, JPEG.

mod common;

use base64::Engine as _;
use common::{client, start_gateway_with, to_reply, Gateway, GatewayOptions, Reply};
use serde_json::{json, Value};
use testdata::{sample_za_book_fields, za_book_scan_and_photo, CardPose, ZaBookFields};

/// The book page photographed: turned and tilted in a real scene, blurred, JPEG. The book's
/// portrait is black and white, and the face detector is marginal on it in a photo (scores near
/// its 0.5 threshold; on the coffee scene it missed the face in 15 of 21 poses, on the rocket
/// scene in 3 of 21): this pose is one it finds, so that the test checks the dialect, not the
/// detector's margin.
fn book_photo(fields: &ZaBookFields) -> Option<Vec<u8>> {
    let pose = CardPose {
        center: (0.5, 0.5),
        width_fraction: 0.6,
        rotation_degrees: -2.0,
        tilt: (0.03, 0.02),
        corner_radius: 0.0,
    };
    za_book_scan_and_photo(fields, "faces/noface_rocket.jpg", &pose, 0.7).map(|(_, photo)| photo)
}

fn data_uri(bytes: &[u8]) -> String {
    format!(
        "data:image/jpeg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

fn post(gateway: &Gateway, route: &str, body: &Value) -> Reply {
    to_reply(
        client()
            .post(format!("http://{}{route}", gateway.hutts))
            .json(body)
            .send()
            .expect("POST"),
    )
}

/// HU-2 on the sample page: the ID number, birth date, sex and status from the barcode's number,
/// the names and country (`SUID-AFRIKA`, H10) from the printed text.
fn expected() -> Value {
    json!({
        "country_of_birth": "South Africa",
        "date_of_birth": "1990-01-02",
        "identity_number": "9001020123088",
        "names": "THANDIWE NOMSA",
        "sex": "F",
        "status": "Citizen",
        "surname": "MOKOENA",
    })
}

#[test]
fn extract_text_reads_the_green_book() {
    let Some(photo) = book_photo(&sample_za_book_fields()) else {
        return;
    };
    // The printed number one digit off (its Luhn digit fails): the barcode's number is reported.
    let misprinted = ZaBookFields {
        identity_number: "9001020128088".into(),
        ..sample_za_book_fields()
    };
    let Some(misprinted) = book_photo(&misprinted) else {
        return;
    };
    let gateway = start_gateway_with(GatewayOptions::default());
    for (name, photo) in [("book", photo), ("misprinted book", misprinted)] {
        let reply = post(
            &gateway,
            "/extractText",
            &json!({"idPhoto": data_uri(&photo)}),
        );
        assert_eq!(reply.status, 200, "{name}: {}", reply.raw);
        assert_eq!(reply.body, expected(), "{name}");
    }
}

#[test]
fn verify_id_scores_the_green_book_face_and_text() {
    let Some(photo) = book_photo(&sample_za_book_fields()) else {
        return;
    };
    let Some(owner) = common::face("obama_2.jpg") else {
        return;
    };
    let Some(stranger) = common::face("biden_1.jpg") else {
        return;
    };
    let gateway = start_gateway_with(GatewayOptions::default());
    let claim = |face: &[u8], id_number: &str, verbose: bool| {
        json!({
            "cob": "South Africa",
            "dob": "1990-01-02",
            "face_img": data_uri(face),
            "gender": "Female",
            "idNumber": id_number,
            "id_img": data_uri(&photo),
            "names": "Thandiwe Nomsa",
            "nationality": "RSA",
            "status": "Citizen",
            "surname": "Mokoena",
            "verbose_verify": verbose,
            "verification_threshold": 75,
        })
    };
    let reply = post(&gateway, "/verifyID", &claim(&owner, "9001020123088", true));
    assert_eq!(reply.status, 200, "{}", reply.raw);
    let body = &reply.body;
    let face = body["face_match"].as_f64().unwrap();
    assert!(
        face >= 70.0,
        "the owner's face on the book's grey portrait: {body}"
    );
    assert_eq!(body["is_match"], true, "{body}");
    let verbose = &body["text_match"];
    assert_eq!(
        verbose["total"], 100.0,
        "every claimed field as on the page: {body}"
    );
    assert_eq!(
        verbose["identity_number"]["extracted_field_value"],
        "9001020123088"
    );
    // The book prints no nationality: not compared (H4).
    assert_eq!(
        verbose["nationality"]["match_percentage"],
        Value::Null,
        "{verbose}"
    );
    assert_eq!(body["is_pass"], true);
    let total = body["total_match"].as_f64().unwrap();
    assert!((total - (0.4 * 100.0 + 0.6 * face)).abs() < 1e-9, "{body}");

    // Another face and another person's number: no face match, a lower text match.
    let reply = post(
        &gateway,
        "/verifyID",
        &claim(&stranger, "8001015009087", false),
    );
    assert_eq!(reply.status, 200, "{}", reply.raw);
    let body = &reply.body;
    assert!(body["face_match"].as_f64().unwrap() < 60.0, "{body}");
    assert_eq!(body["is_match"], false);
    let text = body["text_match"].as_f64().unwrap();
    assert!(text < 100.0 && text > 50.0, "{body}");
}
