//! Every documented code of ST-1 (`001:L153-221`, statuses per spec S4), each provoked by a real bad
//! input over real HTTP against the real binary. Never a 500 and never a panic for a client's mistake.

mod common;

use std::io::Cursor;

use common::*;

/// A PNG whose IHDR claims `width` x `height` pixels (a decompression bomb by header), with valid CRCs and
/// a tiny IDAT: the gateway must refuse it from the header, before allocating any pixel.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    fn chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc = crc32fast::Hasher::new();
        crc.update(kind);
        crc.update(data);
        png.extend_from_slice(kind);
        png.extend_from_slice(data);
        png.extend_from_slice(&crc.finalize().to_be_bytes());
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, deflate, adaptive filter, no interlace
    chunk(&mut png, b"IHDR", &ihdr);
    // An empty zlib stream: far too little data for the claimed size, which must never matter.
    chunk(
        &mut png,
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    chunk(&mut png, b"IEND", &[]);
    png
}

fn encode(image: &image::DynamicImage, format: image::ImageFormat) -> Vec<u8> {
    let mut bytes = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut bytes), format)
        .unwrap();
    bytes
}

/// SYNTHETIC (made here, not a real occluded photo): obama_1.jpg with an opaque grey rectangle painted over
/// part of the face, in 910x1137 pixel coordinates (the face spans about x 350-640, y 80-430).
///
/// Code 4004 is "Face detected but partially obscured by eyes, nose, or mouth" (`001:L191-195`): the face must
/// still be found. Covering eyes, nose and mouth together leaves nothing a detector can find (that answers
/// 4000, as it should), so the cases cover a part: nose and mouth (a mask or a hand), or the eyes (a band).
fn occluded_obama(obama_1: &[u8], (left, top, right, bottom): (u32, u32, u32, u32)) -> Vec<u8> {
    let mut image = image::load_from_memory(obama_1)
        .expect("decode obama_1")
        .to_rgb8();
    assert_eq!(
        image.dimensions(),
        (910, 1137),
        "the rectangles are placed for this photo"
    );
    for y in top..bottom {
        for x in left..right {
            image.put_pixel(x, y, image::Rgb([40, 40, 40]));
        }
    }
    encode(
        &image::DynamicImage::ImageRgb8(image),
        image::ImageFormat::Jpeg,
    )
}

/// Nose and mouth covered, as by a mask.
const MASK_OVER_NOSE_AND_MOUTH: (u32, u32, u32, u32) = (400, 262, 600, 370);
/// Both eyes covered by a band.
const BAND_OVER_EYES: (u32, u32, u32, u32) = (380, 185, 620, 250);

/// Random-noise PNG (incompressible) just over 10 MiB: a real image whose file is over the byte limit.
fn oversized_png() -> Vec<u8> {
    let (width, height) = (1900, 1900); // 10.8 MB of RGB noise, within the pixel limits
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let image = image::RgbImage::from_fn(width, height, |_, _| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        image::Rgb([state as u8, (state >> 8) as u8, (state >> 16) as u8])
    });
    encode(
        &image::DynamicImage::ImageRgb8(image),
        image::ImageFormat::Png,
    )
}

struct Case {
    name: &'static str,
    fields: Vec<(&'static str, String)>,
    expect: (u16, i64, &'static str),
}

#[test]
fn every_code_is_provoked_by_a_real_bad_input() {
    let Some(obama_1) = face("obama_1.jpg") else {
        return;
    };
    let Some(obama_2) = face("obama_2.jpg") else {
        return;
    };
    let gateway = start_gateway();
    let good = encrypt(&obama_2);
    let with_good = |name: &'static str, first: String, expect: (u16, i64, &'static str)| Case {
        name,
        fields: vec![
            ("first_encrypted_image", first),
            ("second_encrypted_image", good.clone()),
        ],
        expect,
    };
    const INVALID_ARGUMENT: (u16, i64, &str) = (400, 1200, "invalid argument");
    const IMAGE_SIZE: (u16, i64, &str) = (400, 2003, "invalid image size");
    const CONTENT_LENGTH: (u16, i64, &str) = (400, 2004, "invalid content length");
    const IMAGE_TYPE: (u16, i64, &str) = (400, 2005, "invalid image type or corrupted");

    let mut tampered = base64_decode(&encrypt(&obama_1));
    tampered[1000] ^= 0x01;
    let one_by_one = encode(
        &image::DynamicImage::new_rgb8(1, 1),
        image::ImageFormat::Png,
    );

    let mut cases = vec![
        Case {
            name: "missing second field",
            fields: vec![("first_encrypted_image", good.clone())],
            expect: INVALID_ARGUMENT,
        },
        Case {
            name: "no fields at all",
            fields: vec![],
            expect: INVALID_ARGUMENT,
        },
        with_good(
            "bad base64",
            "this is *not* base64!".to_owned(),
            INVALID_ARGUMENT,
        ),
        with_good(
            "wrong key",
            encrypt_with("00000000000000000000000000000000", SAMPLE_IV, &obama_1),
            INVALID_ARGUMENT,
        ),
        with_good(
            "wrong IV",
            encrypt_with(SAMPLE_KEY, "000000000000", &obama_1),
            INVALID_ARGUMENT,
        ),
        with_good(
            "tampered ciphertext",
            base64_encode(&tampered),
            INVALID_ARGUMENT,
        ),
        with_good(
            "plain Base64 of the photo, not encrypted",
            base64_encode(&obama_1),
            INVALID_ARGUMENT,
        ),
        Case {
            name: "auto_rotate not a boolean",
            fields: vec![
                ("first_encrypted_image", encrypt(&obama_1)),
                ("second_encrypted_image", good.clone()),
                ("auto_rotate", "yes".to_owned()),
            ],
            expect: INVALID_ARGUMENT,
        },
        with_good(
            "a text file",
            encrypt(b"This is a plain text file, not a picture of anyone.\n"),
            IMAGE_TYPE,
        ),
        with_good(
            "a truncated JPEG",
            encrypt(&obama_1[..obama_1.len() / 2]),
            IMAGE_TYPE,
        ),
        with_good("a 1x1 PNG", encrypt(&one_by_one), IMAGE_SIZE),
        with_good(
            "a PNG header claiming 30000x30000",
            encrypt(&png_claiming(30000, 30000)),
            IMAGE_SIZE,
        ),
        with_good("a 5-byte file", encrypt(b"hello"), CONTENT_LENGTH),
        with_good(
            "a real PNG over 10 MiB",
            encrypt(&oversized_png()),
            CONTENT_LENGTH,
        ),
    ];
    if let Some(coffee) = face("noface_coffee.png") {
        cases.push(with_good(
            "no face: noface_coffee.png",
            encrypt(&coffee),
            (400, 4000, "detection failed"),
        ));
    }
    for (name, occlusion) in [
        (
            "check_quality, nose and mouth covered (synthetic)",
            MASK_OVER_NOSE_AND_MOUTH,
        ),
        ("check_quality, eyes covered (synthetic)", BAND_OVER_EYES),
    ] {
        cases.push(Case {
            name,
            fields: vec![
                (
                    "first_encrypted_image",
                    encrypt(&occluded_obama(&obama_1, occlusion)),
                ),
                ("second_encrypted_image", good.clone()),
                ("check_quality", "true".to_owned()),
            ],
            expect: (400, 4004, "face occlusion"),
        });
    }
    // The same error on the second slot answers the same code.
    cases.push(Case {
        name: "text file as the second image",
        fields: vec![
            ("first_encrypted_image", encrypt(&obama_1)),
            (
                "second_encrypted_image",
                encrypt(b"%PDF-1.4 not an image at all"),
            ),
        ],
        expect: IMAGE_TYPE,
    });

    let mut failures = Vec::new();
    for case in &cases {
        let fields: Vec<(&str, &str)> = case
            .fields
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
            .collect();
        let reply = post_form(&gateway.url(ROUTE), &fields);
        let (status, code, message) = case.expect;
        let got = (
            reply.status,
            reply.code(),
            reply
                .body
                .get("message")
                .and_then(|m| m.as_str())
                .map(str::to_owned),
        );
        if got != (status, Some(code), Some(message.to_owned())) {
            failures.push(format!(
                "{}: expected {status} {code} {message:?}, got {}",
                case.name, reply.raw
            ));
            continue;
        }
        reply.assert_abnormal(status, code, message);
        eprintln!("ok: {} -> {} {}", case.name, status, code);
    }
    // S8: occlusion is judged only when check_quality asks for it.
    let masked = occluded_obama(&obama_1, MASK_OVER_NOSE_AND_MOUTH);
    let reply = compare(&gateway, &masked, &obama_2, &[]);
    if reply.code() != Some(1000) {
        failures.push(format!(
            "occluded face without check_quality: expected 1000, got {}",
            reply.raw
        ));
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases wrong:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert!(
        !gateway.log().contains("panicked"),
        "the gateway panicked:\n{}",
        gateway.log()
    );
}

#[test]
fn a_body_over_the_limit_gets_413_and_a_post_without_length_gets_411() {
    let limit = 1024 * 1024;
    let gateway = start_gateway_with(GatewayOptions::default().env("EKYC_MAX_BODY_BYTES", limit));
    let big = "A".repeat(limit + 1);

    // Declared too large by Content-Length.
    let reply = post_form(
        &gateway.url(ROUTE),
        &[
            ("first_encrypted_image", &big),
            ("second_encrypted_image", "x"),
        ],
    );
    reply.assert_abnormal(413, 413, "PAYLOAD_TOO_LARGE");

    // Chunked, so only counting reveals it; on the dialect's own listener this time.
    let chunked = reqwest::blocking::Body::new(Cursor::new(
        format!("first_encrypted_image={big}").into_bytes(),
    ));
    let reply = to_reply(
        client()
            .post(gateway.stateless_url(ROUTE))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(chunked)
            .send()
            .unwrap(),
    );
    reply.assert_abnormal(413, 413, "PAYLOAD_TOO_LARGE");

    // Just under the limit is read and judged on its content (here: not Base64).
    let under = "B".repeat(limit - 100);
    let reply = post_form(
        &gateway.url(ROUTE),
        &[
            ("first_encrypted_image", &under),
            ("second_encrypted_image", "*"),
        ],
    );
    reply.assert_abnormal(400, 1200, "invalid argument");

    // A POST with neither Content-Length nor Transfer-Encoding: 411.
    for addr in [gateway.shared, gateway.stateless] {
        let response = raw_http(
            addr,
            format!(
                "POST {ROUTE} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
        );
        assert!(response.starts_with("HTTP/1.1 411"), "{response}");
        let body = raw_body(&response);
        assert_eq!(
            (body["code"].as_i64(), body["message"].as_str()),
            (Some(411), Some("LENGTH_REQUIRED")),
            "{response}"
        );
        let header = response
            .lines()
            .find_map(|line| line.strip_prefix("x-request-id: "))
            .expect("X-Request-ID header");
        assert_eq!(body["request_id"].as_str(), Some(header.trim()));
    }

    // The gateway is still healthy after all that.
    assert_eq!(
        client()
            .get(gateway.url("/healthz"))
            .send()
            .unwrap()
            .status(),
        200
    );
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}
