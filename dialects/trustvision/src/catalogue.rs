//! Every route of the vendor document (TV-01..TV-38, spec 4.8), plus the two paths the vendor's own
//! client calls that the document does not list, with how this gateway serves each and the errors
//! the vendor documents for it: the route's row of spec appendix A, `request_time_too_skewed` and
//! `access_denied_exception` on every route (spec 4.4: authentication errors are global, route tables
//! list only extras), and the route's "processed but failed" codes as `failure:<code>`.

pub use ::wire::catalogue::{ErrorDoc, RouteDoc, Serving};

/// `errors[0].code` of a refused route (`session::NOT_YET_SERVED`, `detail.reason:
/// "service_not_available"`).
const REFUSAL: &str = "access_denied_exception";

const TIMEOUT: &str = "needs a gateway with a tiny request timeout \
    (EKYC_TRUSTVISION_REQUEST_TIMEOUT_MS=1; 60 s by default); the timeout is the frame's, shared by \
    every route; tested on TV-05 in crates/gateway/tests/trustvision_errors.rs \
    (a_compare_past_the_timeout_is_408)";
const RATE_LIMIT: &str = "needs a gateway with a rate limit \
    (EKYC_TRUSTVISION_RATE_LIMIT_PER_MINUTE=3; none by default); the limiter is the frame's, checked \
    after the signature on every route; tested in crates/gateway/tests/trustvision_errors.rs \
    (the_fourth_call_within_a_minute_is_429)";
const INTERNAL: &str = "a failure of the gateway's own (store, model, worker): no client request \
    can provoke one, and a 500 for a client's mistake is a defect; the row is \
    TrustVisionError::Internal in dialects/trustvision/src/error.rs, not provoked over HTTP";
const REFUSED: &str = "unreachable: the route answers 401 access_denied_exception \
    (service_not_available) right after the signature check, before its body is read or any work \
    starts; the refusal is tested in crates/gateway/tests/trustvision_errors.rs (not_yet_served)";
const POLLING: &str = "the row is for polling a result by id (spec 4.6); this synchronous route \
    takes no request id, so it cannot answer it; TV-22/TV-23 answer it for unknown ids";
const IMAGE_OVER_LIMIT: &str = "needs an image over the 15 MiB default limit, too large to keep \
    as a fixture; tested with EKYC_TRUSTVISION_MAX_IMAGE_BYTES=20000 in \
    crates/gateway/tests/trustvision_errors.rs (images_and_files_over_the_limit_are_413)";
const FILE_OVER_LIMIT: &str = "needs a file over the 15 MiB default limit, too large to keep as \
    a fixture; tested with EKYC_TRUSTVISION_MAX_IMAGE_BYTES=20000 in \
    crates/gateway/tests/trustvision_errors.rs (images_and_files_over_the_limit_are_413)";

const fn shown(status: u16, outcome: &'static str) -> ErrorDoc {
    ErrorDoc::shown(status, outcome)
}

const fn refused(status: u16, outcome: &'static str) -> ErrorDoc {
    ErrorDoc::waived(status, outcome, REFUSED)
}

const INVALID: ErrorDoc = shown(400, "invalid_parameter_exception");
const SKEWED: ErrorDoc = shown(400, "request_time_too_skewed");
const DENIED: ErrorDoc = shown(401, REFUSAL);
const IMAGE_NOT_FOUND: ErrorDoc = shown(404, "image_not_found_exception");
const NOT_POLLED: ErrorDoc = ErrorDoc::waived(404, "request_not_found_exception", POLLING);
const TIMED_OUT: ErrorDoc = ErrorDoc::waived(408, "request_timeout_exception", TIMEOUT);
const RATE_LIMITED: ErrorDoc = ErrorDoc::waived(429, "rate_limit_exception", RATE_LIMIT);
const INTERNAL_ERROR: ErrorDoc = ErrorDoc::waived(500, "internal_server_error", INTERNAL);

/// A refused route's rows that can still be shown (or need a rate-limited gateway).
const REFUSED_SHOWN: [ErrorDoc; 3] = [SKEWED, DENIED, RATE_LIMITED];
const REFUSED_INVALID: ErrorDoc = refused(400, "invalid_parameter_exception");
const REFUSED_IMAGE_NOT_FOUND: ErrorDoc = refused(404, "image_not_found_exception");
const REFUSED_REQUEST_NOT_FOUND: ErrorDoc = refused(404, "request_not_found_exception");
const REFUSED_TIMEOUT: ErrorDoc = refused(408, "request_timeout_exception");
const REFUSED_INTERNAL: ErrorDoc = refused(500, "internal_server_error");
const REFUSED_FACES: ErrorDoc = refused(400, "incorrect_number_of_faces");
const REFUSED_USER_NOT_FOUND: ErrorDoc = refused(404, "face_auth_user_not_found_exception");

/// The appendix A row shared by most processing routes, refused.
const REFUSED_ROW: [ErrorDoc; 8] = [
    REFUSED_SHOWN[0],
    REFUSED_SHOWN[1],
    REFUSED_SHOWN[2],
    REFUSED_INVALID,
    REFUSED_IMAGE_NOT_FOUND,
    REFUSED_REQUEST_NOT_FOUND,
    REFUSED_TIMEOUT,
    REFUSED_INTERNAL,
];

/// The same row without `request_not_found_exception` (TV-06, TV-07, TV-09..TV-12).
const REFUSED_ROW_NO_POLL: [ErrorDoc; 7] = [
    REFUSED_SHOWN[0],
    REFUSED_SHOWN[1],
    REFUSED_SHOWN[2],
    REFUSED_INVALID,
    REFUSED_IMAGE_NOT_FOUND,
    REFUSED_TIMEOUT,
    REFUSED_INTERNAL,
];

/// Face authentication (TV-27..TV-30): the row plus `incorrect_number_of_faces`.
const REFUSED_FACE_AUTH: [ErrorDoc; 9] = [
    REFUSED_SHOWN[0],
    REFUSED_SHOWN[1],
    REFUSED_SHOWN[2],
    REFUSED_INVALID,
    REFUSED_FACES,
    REFUSED_IMAGE_NOT_FOUND,
    REFUSED_REQUEST_NOT_FOUND,
    REFUSED_TIMEOUT,
    REFUSED_INTERNAL,
];

const NOT_BUILT: &str = "not built yet: answered like a key without the service";

pub const ROUTES: &[RouteDoc] = &[
    RouteDoc {
        id: "TV-01",
        method: "POST",
        path: "/v1/images",
        fixtures: "tv01-upload-image",
        serving: Serving::Real,
        errors: &[
            INVALID,
            SKEWED,
            DENIED,
            ErrorDoc::waived(
                404,
                "image_not_found_exception",
                "an image upload names no stored image (`parent_id` belongs to TV-03 files), so \
                 nothing it names can be missing",
            ),
            TIMED_OUT,
            ErrorDoc::waived(413, "image_too_large_exception", IMAGE_OVER_LIMIT),
            shown(415, "invalid_image_format_exception"),
            RATE_LIMITED,
            INTERNAL_ERROR,
        ],
        note:
            "Multipart file or JSON base64; JPG/PNG sniffed from the bytes; label checked against \
               the Label table.",
    },
    RouteDoc {
        id: "TV-02",
        method: "GET",
        path: "/v1/images/{image_id}",
        fixtures: "tv02-download-image",
        serving: Serving::Real,
        errors: &[
            INVALID,
            SKEWED,
            DENIED,
            IMAGE_NOT_FOUND,
            TIMED_OUT,
            RATE_LIMITED,
            INTERNAL_ERROR,
        ],
        note: "The stored bytes with their type; X-DOWNLOAD-BASE64: true gives a data URI.",
    },
    RouteDoc {
        id: "TV-03",
        method: "POST",
        path: "/v1/files",
        fixtures: "tv03-upload-file",
        serving: Serving::Real,
        errors: &[
            INVALID,
            SKEWED,
            DENIED,
            IMAGE_NOT_FOUND,
            TIMED_OUT,
            ErrorDoc::waived(413, "file_too_large_exception", FILE_OVER_LIMIT),
            RATE_LIMITED,
            INTERNAL_ERROR,
        ],
        note:
            "Video/audio/PDF file (multipart) or JSON frames, each stored as an image; an unknown \
               parent_id is 404.",
    },
    RouteDoc {
        id: "TV-04",
        method: "GET",
        path: "/v1/files/{file_id}",
        fixtures: "tv04-download-file",
        serving: Serving::Real,
        errors: &[
            INVALID,
            SKEWED,
            DENIED,
            IMAGE_NOT_FOUND,
            TIMED_OUT,
            RATE_LIMITED,
            INTERNAL_ERROR,
        ],
        note: "As TV-02; a frames-only file has no binary (400, detail.field file_id).",
    },
    RouteDoc {
        id: "TV-05",
        method: "POST",
        path: "/v1/compare_faces_sync",
        fixtures: "tv05-compare-faces",
        serving: Serving::Real,
        errors: &[
            shown(200, "failure:image_has_no_faces"),
            INVALID,
            SKEWED,
            DENIED,
            IMAGE_NOT_FOUND,
            NOT_POLLED,
            TIMED_OUT,
            RATE_LIMITED,
            INTERNAL_ERROR,
        ],
        note: "Every face against every face; score is the calibrated score, result by the `type` \
               profile's thresholds.",
    },
    RouteDoc {
        id: "TV-06",
        method: "POST",
        path: "/v1/verify_face_liveness_sync",
        fixtures: "tv06-verify-face-liveness",
        serving: Serving::Refused {
            outcome: REFUSAL,
            why: "face liveness (passive, active and flash modes) is not built yet",
        },
        errors: &[
            REFUSED_ROW_NO_POLL[0],
            REFUSED_ROW_NO_POLL[1],
            REFUSED_ROW_NO_POLL[2],
            REFUSED_ROW_NO_POLL[3],
            REFUSED_ROW_NO_POLL[4],
            REFUSED_ROW_NO_POLL[5],
            REFUSED_ROW_NO_POLL[6],
            refused(413, "image_too_large_exception"),
            refused(415, "invalid_image_format_exception"),
            refused(200, "failure:image_has_no_face"),
        ],
        note: NOT_BUILT,
    },
    RouteDoc {
        id: "TV-07",
        method: "POST",
        path: "/v1/verify_face_video_liveness_sync",
        fixtures: "tv07-verify-face-video-liveness",
        serving: Serving::Refused {
            outcome: REFUSAL,
            why: "video liveness is not built yet",
        },
        errors: &[
            REFUSED_ROW_NO_POLL[0],
            REFUSED_ROW_NO_POLL[1],
            REFUSED_ROW_NO_POLL[2],
            REFUSED_ROW_NO_POLL[3],
            REFUSED_ROW_NO_POLL[4],
            REFUSED_ROW_NO_POLL[5],
            REFUSED_ROW_NO_POLL[6],
            refused(413, "image_too_large_exception"),
            refused(415, "invalid_image_format_exception"),
            refused(200, "failure:image_has_no_face"),
        ],
        note: NOT_BUILT,
    },
    RouteDoc {
        id: "TV-08",
        method: "POST",
        path: "/v1/read_id_card_info_sync",
        fixtures: "tv08-read-id-card-info",
        serving: Serving::Refused {
            outcome: REFUSAL,
            why: "ID card OCR is not built yet (spec section 9 item 10)",
        },
        errors: &[
            REFUSED_ROW[0],
            REFUSED_ROW[1],
            REFUSED_ROW[2],
            REFUSED_ROW[3],
            REFUSED_ROW[4],
            REFUSED_ROW[5],
            REFUSED_ROW[6],
            REFUSED_ROW[7],
            refused(200, "failure:nocard_or_multicard_image"),
            refused(200, "failure:grayscale_card"),
            refused(200, "failure:bad_quality_card_image"),
            refused(200, "failure:incorrect_card_type"),
            refused(200, "failure:incorrect_card_side"),
        ],
        note: NOT_BUILT,
    },
    RouteDoc {
        id: "TV-09",
        method: "POST",
        path: "/v1/convert_pdf_sync",
        fixtures: "tv09-convert-pdf",
        serving: Serving::Refused {
            outcome: REFUSAL,
            why: "PDF page conversion is not built yet",
        },
        errors: &[
            REFUSED_ROW_NO_POLL[0],
            REFUSED_ROW_NO_POLL[1],
            REFUSED_ROW_NO_POLL[2],
            REFUSED_ROW_NO_POLL[3],
            REFUSED_ROW_NO_POLL[4],
            REFUSED_ROW_NO_POLL[5],
            REFUSED_ROW_NO_POLL[6],
            refused(413, "file_too_large_exception"),
            refused(415, "invalid_file_format_exception"),
            refused(200, "failure:page_does_not_exist"),
        ],
        note: NOT_BUILT,
    },
    RouteDoc {
        id: "TV-10",
        method: "POST",
        path: "/v1/verify_portrait_sanity_sync",
        fixtures: "tv10-verify-portrait-sanity",
        serving: Serving::Refused {
            outcome: REFUSAL,
            why: "portrait sanity is not built yet",
        },
        errors: &REFUSED_ROW_NO_POLL,
        note: NOT_BUILT,
    },
    RouteDoc {
        id: "TV-11",
        method: "POST",
        path: "/v1/verify_id_card_sanity_sync",
        fixtures: "tv11-verify-id-card-sanity",
        serving: Serving::Refused {
            outcome: REFUSAL,
            why: "ID card sanity is not built yet",
        },
        errors: &REFUSED_ROW_NO_POLL,
        note: NOT_BUILT,
    },
    RouteDoc {
        id: "TV-12",
        method: "POST",
        path: "/v1/detect_id_card_tampering_sync",
        fixtures: "tv12-detect-id-card-tampering",
        serving: Serving::Refused {
            outcome: REFUSAL,
            why: "tampering checks are not built yet (spec section 9 item 7)",
        },
        errors: &REFUSED_ROW_NO_POLL,
        note: NOT_BUILT,
    },
    RouteDoc {
        id: "TV-13",
        method: "POST",
        path: "/v1/detect_faces_sync",
        fixtures: "tv13-detect-faces",
        serving: Serving::Real,
        errors: &[
            INVALID,
            SKEWED,
            DENIED,
            IMAGE_NOT_FOUND,
            NOT_POLLED,
            TIMED_OUT,
            RATE_LIMITED,
            INTERNAL_ERROR,
        ],
        note: "Every face with its box; embeddings are this gateway's model's, meaningful only to \
               its own alert_faces_sync.",
    },
    RouteDoc {
        id: "TV-14",
        method: "POST",
        path: "/v1/face_otp",
        fixtures: "tv14-face-otp",
        serving: Serving::Refused {
            outcome: REFUSAL,
            why: "face OTP needs face liveness, which is not built yet",
        },
        errors: &[
            REFUSED_SHOWN[0],
            REFUSED_SHOWN[1],
            REFUSED_SHOWN[2],
            REFUSED_INVALID,
            REFUSED_FACES,
            REFUSED_IMAGE_NOT_FOUND,
            REFUSED_REQUEST_NOT_FOUND,
            REFUSED_TIMEOUT,
            REFUSED_INTERNAL,
            refused(200, "failure:image_has_no_face"),
            refused(200, "failure:image_has_no_faces"),
            refused(200, "failure:image_has_multiple_faces"),
            refused(200, "failure:image_too_blur"),
            refused(200, "failure:image_too_dark"),
            refused(200, "failure:image_too_bright"),
            refused(200, "failure:bad_quality_card_image"),
            refused(200, "failure:not_qualified"),
            refused(200, "failure:not_white_background"),
            refused(200, "failure:face_too_dark"),
            refused(200, "failure:face_too_bright"),
            refused(200, "failure:face_too_small"),
            refused(200, "failure:face_too_big"),
            refused(200, "failure:right"),
            refused(200, "failure:left"),
            refused(200, "failure:open_eye,closed_eye"),
            refused(200, "failure:closed_eye,open_eye"),
            refused(200, "failure:open_eye,sunglasses"),
            refused(200, "failure:sunglasses,open_eye"),
            refused(200, "failure:closed_eye,closed_eye"),
            refused(200, "failure:closed_eye,sunglasses"),
            refused(200, "failure:sunglasses,closed_eye"),
            refused(200, "failure:sunglasses,sunglasses"),
        ],
        note: NOT_BUILT,
    },
    RouteDoc {
        id: "TV-15",
        method: "POST",
        path: "/v1/index_faces_sync",
        fixtures: "tv15-index-faces",
        serving: Serving::Real,
        errors: &[
            INVALID,
            SKEWED,
            DENIED,
            IMAGE_NOT_FOUND,
            NOT_POLLED,
            TIMED_OUT,
            RATE_LIMITED,
            INTERNAL_ERROR,
        ],
        note: "The largest face into the key's collection; indexing an image again replaces its \
               face.",
    },
    RouteDoc {
        id: "TV-16",
        method: "POST",
        path: "/v1/search_faces_sync",
        fixtures: "tv16-search-faces",
        serving: Serving::Real,
        errors: &[
            INVALID,
            SKEWED,
            DENIED,
            IMAGE_NOT_FOUND,
            NOT_POLLED,
            TIMED_OUT,
            RATE_LIMITED,
            INTERNAL_ERROR,
        ],
        note:
            "Nearest indexed faces of the key's collection(s), no score floor; no special_id_type \
               is configured.",
    },
    RouteDoc {
        id: "TV-17",
        method: "POST",
        path: "/v1/alert_faces_sync",
        fixtures: "tv17-alert-faces",
        serving: Serving::Partial(
            "the vendor's cross-customer suspect database does not exist offline: alerts search \
             a local suspect collection, and history and member counts come from this \
             deployment's own clients (spec section 9 item 5)",
        ),
        errors: &[
            INVALID,
            SKEWED,
            DENIED,
            IMAGE_NOT_FOUND,
            NOT_POLLED,
            TIMED_OUT,
            RATE_LIMITED,
            INTERNAL_ERROR,
        ],
        note: "Alerts are over a local suspect collection; members are this deployment's clients.",
    },
    RouteDoc {
        id: "TV-18",
        method: "POST",
        path: "/v1/delete_faces",
        fixtures: "tv18-delete-faces",
        serving: Serving::Real,
        errors: &[
            INVALID,
            SKEWED,
            DENIED,
            IMAGE_NOT_FOUND,
            TIMED_OUT,
            RATE_LIMITED,
            INTERNAL_ERROR,
        ],
        note: "Removes the faces indexed from image_ids; an image not indexed there is a no-op.",
    },
    RouteDoc {
        id: "TV-19",
        method: "POST",
        path: "/v1/search_metadata",
        fixtures: "tv19-search-metadata",
        serving: Serving::Real,
        errors: &[
            INVALID,
            SKEWED,
            DENIED,
            ErrorDoc::waived(
                404,
                "image_not_found_exception",
                "search_metadata names no image (only a collection, metadata and max_results), \
                 so nothing it names can be missing",
            ),
            NOT_POLLED,
            TIMED_OUT,
            RATE_LIMITED,
            INTERNAL_ERROR,
        ],
        note: "Indexed faces whose metadata has every given key, values compared as text.",
    },
    RouteDoc {
        id: "TV-20",
        method: "PATCH",
        path: "/v1/images/{image_id}",
        fixtures: "tv20-update-image-metadata",
        serving: Serving::Real,
        errors: &[
            INVALID,
            SKEWED,
            DENIED,
            IMAGE_NOT_FOUND,
            TIMED_OUT,
            RATE_LIMITED,
            INTERNAL_ERROR,
        ],
        note:
            "Metadata merged, never dropping keys (override lets the request win); indexed faces \
               follow.",
    },
    RouteDoc {
        id: "TV-21",
        method: "POST",
        path: "/v1/delete_files",
        fixtures: "tv21-delete-files",
        serving: Serving::Real,
        errors: &[
            SKEWED,
            DENIED,
            shown(405, "not_allow_delete_exception"),
            TIMED_OUT,
            RATE_LIMITED,
            INTERNAL_ERROR,
        ],
        note: "Images or files and their indexed faces in one transaction; an id not the key's is \
               405, nothing deleted.",
    },
    RouteDoc {
        id: "TV-22",
        method: "GET",
        path: "/v1/requests_by_req_id/{request_id}",
        fixtures: "tv22-requests-by-req-id",
        serving: Serving::Real,
        // The seed gives this route no error table (T33); an unknown id answers the polling error
        // (spec 4.6).
        errors: &[SKEWED, DENIED, shown(404, "request_not_found_exception")],
        note: "The local request ledger: results of the processing routes served here, service \
               added.",
    },
    RouteDoc {
        id: "TV-23",
        method: "GET",
        path: "/v1/requests_by_x_req_id/{x_request_id}",
        fixtures: "tv23-requests-by-x-req-id",
        serving: Serving::Real,
        errors: &[
            INVALID,
            SKEWED,
            DENIED,
            // Not in the route's table; an id no request carried answers it (spec 4.6).
            shown(404, "request_not_found_exception"),
            INTERNAL_ERROR,
        ],
        note:
            "The key's requests sent with that X-Request-ID in the local ledger, with final_result.",
    },
    RouteDoc {
        id: "TV-24",
        method: "POST",
        path: "/v1/detect_id_cards_sync",
        fixtures: "tv24-detect-id-cards",
        serving: Serving::Refused {
            outcome: REFUSAL,
            why: "ID card detection is not built yet",
        },
        errors: &REFUSED_ROW,
        note: NOT_BUILT,
    },
    RouteDoc {
        id: "TV-25",
        method: "POST",
        path: "/v1/temporary_credential",
        fixtures: "tv25-temporary-credential",
        serving: Serving::Real,
        errors: &[
            INVALID,
            SKEWED,
            DENIED,
            TIMED_OUT,
            RATE_LIMITED,
            INTERNAL_ERROR,
        ],
        note:
            "A key pair signing like the issuer until expire_at; grantable services are the ones \
               served here.",
    },
    RouteDoc {
        id: "TV-26",
        method: "POST",
        path: "/v1/ekyc",
        fixtures: "tv26-ekyc",
        serving: Serving::Refused {
            outcome: REFUSAL,
            why: "eKYC chains card OCR, sanity, liveness and compare; its steps are not built yet",
        },
        errors: &[
            REFUSED_ROW[0],
            REFUSED_ROW[1],
            REFUSED_ROW[2],
            REFUSED_ROW[3],
            REFUSED_ROW[4],
            REFUSED_ROW[5],
            REFUSED_ROW[6],
            REFUSED_ROW[7],
            refused(200, "failure:image_has_no_faces"),
            refused(200, "failure:incorrect_card_type"),
            refused(200, "failure:nocard_or_multicard_image"),
            refused(200, "failure:image_too_blur"),
            refused(200, "failure:image_too_dark"),
            refused(200, "failure:image_too_bright"),
            refused(200, "failure:image_has_hole"),
            refused(200, "failure:image_has_cut"),
            refused(200, "failure:image_has_hole_and_cut"),
            refused(200, "failure:bad_quality_card_image"),
            refused(200, "failure:not_qualified"),
            refused(200, "failure:not_white_background"),
            refused(200, "failure:right"),
            refused(200, "failure:left"),
            refused(200, "failure:open_eye,closed_eye"),
            refused(200, "failure:closed_eye,open_eye"),
            refused(200, "failure:open_eye,sunglasses"),
            refused(200, "failure:sunglasses,open_eye"),
            refused(200, "failure:closed_eye,closed_eye"),
            refused(200, "failure:closed_eye,sunglasses"),
            refused(200, "failure:sunglasses,closed_eye"),
            refused(200, "failure:sunglasses,sunglasses"),
        ],
        note: NOT_BUILT,
    },
    RouteDoc {
        id: "TV-27",
        method: "POST",
        path: "/v1/face_auth_register",
        fixtures: "tv27-face-auth-register",
        serving: Serving::Refused {
            outcome: REFUSAL,
            why: "face authentication is not built yet",
        },
        errors: &[
            REFUSED_FACE_AUTH[0],
            REFUSED_FACE_AUTH[1],
            REFUSED_FACE_AUTH[2],
            REFUSED_FACE_AUTH[3],
            REFUSED_FACE_AUTH[4],
            REFUSED_FACE_AUTH[5],
            REFUSED_FACE_AUTH[6],
            REFUSED_FACE_AUTH[7],
            REFUSED_FACE_AUTH[8],
            refused(200, "failure:face_auth_user_deactivated"),
        ],
        note: NOT_BUILT,
    },
    RouteDoc {
        id: "TV-28",
        method: "POST",
        path: "/v1/face_auth",
        fixtures: "tv28-face-auth",
        serving: Serving::Refused {
            outcome: REFUSAL,
            why: "face authentication is not built yet",
        },
        errors: &[
            REFUSED_FACE_AUTH[0],
            REFUSED_FACE_AUTH[1],
            REFUSED_FACE_AUTH[2],
            REFUSED_FACE_AUTH[3],
            REFUSED_FACE_AUTH[4],
            REFUSED_USER_NOT_FOUND,
            REFUSED_FACE_AUTH[5],
            REFUSED_FACE_AUTH[6],
            REFUSED_FACE_AUTH[7],
            REFUSED_FACE_AUTH[8],
            refused(200, "failure:image_too_blur"),
            refused(200, "failure:image_too_dark"),
            refused(200, "failure:image_too_bright"),
            refused(200, "failure:image_has_no_faces"),
            refused(200, "failure:image_non_liveness"),
            refused(200, "failure:face_auth_user_deactivated"),
            refused(200, "failure:face_auth_user_unregistered"),
        ],
        note: NOT_BUILT,
    },
    RouteDoc {
        id: "TV-29",
        method: "POST",
        path: "/v1/face_auth_user",
        fixtures: "tv29-face-auth-user",
        serving: Serving::Refused {
            outcome: REFUSAL,
            why: "face authentication is not built yet",
        },
        errors: &[
            REFUSED_FACE_AUTH[0],
            REFUSED_FACE_AUTH[1],
            REFUSED_FACE_AUTH[2],
            REFUSED_FACE_AUTH[3],
            REFUSED_FACE_AUTH[4],
            REFUSED_USER_NOT_FOUND,
            REFUSED_FACE_AUTH[5],
            REFUSED_FACE_AUTH[6],
            REFUSED_FACE_AUTH[7],
            REFUSED_FACE_AUTH[8],
        ],
        note: NOT_BUILT,
    },
    RouteDoc {
        id: "TV-30",
        method: "POST",
        path: "/v1/face_auth_unregister",
        fixtures: "tv30-face-auth-unregister",
        serving: Serving::Refused {
            outcome: REFUSAL,
            why: "face authentication is not built yet",
        },
        errors: &[
            REFUSED_FACE_AUTH[0],
            REFUSED_FACE_AUTH[1],
            REFUSED_FACE_AUTH[2],
            REFUSED_FACE_AUTH[3],
            REFUSED_FACE_AUTH[4],
            REFUSED_USER_NOT_FOUND,
            REFUSED_FACE_AUTH[5],
            REFUSED_FACE_AUTH[6],
            REFUSED_FACE_AUTH[7],
            REFUSED_FACE_AUTH[8],
        ],
        note: NOT_BUILT,
    },
    RouteDoc {
        id: "TV-31",
        method: "POST",
        path: "/v1/transactions",
        fixtures: "tv31-open-transaction",
        serving: Serving::Real,
        errors: &[
            INVALID,
            SKEWED,
            DENIED,
            TIMED_OUT,
            RATE_LIMITED,
            INTERNAL_ERROR,
        ],
        note: "Every table field kept; channel_name maps to a stable channel_id per key.",
    },
    RouteDoc {
        id: "TV-32",
        method: "POST",
        path: "/v1/transactions/{transaction_id}/finish",
        fixtures: "tv32-finish-transaction",
        serving: Serving::Real,
        errors: &[
            INVALID,
            SKEWED,
            DENIED,
            TIMED_OUT,
            RATE_LIMITED,
            INTERNAL_ERROR,
        ],
        note: "Idempotent; an unknown transaction is 400 with detail.field transaction_id.",
    },
    RouteDoc {
        id: "TV-33",
        method: "GET",
        path: "/v1/client_settings",
        fixtures: "tv33-client-settings",
        serving: Serving::Partial(
            "the vendor's per-client settings are admin data: the answer describes this gateway \
             (card_types empty, unserved services disabled, encryption per key)",
        ),
        errors: &[SKEWED, DENIED, TIMED_OUT, RATE_LIMITED, INTERNAL_ERROR],
        note: "What this gateway really serves for the key; no card type is read yet.",
    },
    RouteDoc {
        id: "TV-34",
        method: "POST",
        path: "/v1/verify_identity_sync",
        fixtures: "tv34-verify-identity",
        serving: Serving::Refused {
            outcome: REFUSAL,
            why: "card-versus-person checks (age estimation included) are not built yet",
        },
        errors: &[
            REFUSED_ROW[0],
            REFUSED_ROW[1],
            REFUSED_ROW[2],
            REFUSED_ROW[3],
            REFUSED_ROW[4],
            REFUSED_ROW[5],
            REFUSED_ROW[6],
            REFUSED_ROW[7],
            refused(200, "failure:age_not_match"),
        ],
        note: NOT_BUILT,
    },
    RouteDoc {
        id: "TV-35",
        method: "POST",
        path: "/v1/read_doc_info_sync",
        fixtures: "tv35-read-doc-info",
        serving: Serving::Refused {
            outcome: REFUSAL,
            why: "document OCR is not built yet",
        },
        errors: &[
            REFUSED_ROW[0],
            REFUSED_ROW[1],
            REFUSED_ROW[2],
            REFUSED_ROW[3],
            REFUSED_ROW[4],
            REFUSED_ROW[5],
            REFUSED_ROW[6],
            REFUSED_ROW[7],
            refused(200, "failure:image_too_blur"),
            refused(200, "failure:image_too_dark"),
            refused(200, "failure:image_too_bright"),
            refused(200, "failure:image_has_no_faces"),
        ],
        note: NOT_BUILT,
    },
    RouteDoc {
        id: "TV-36",
        method: "POST",
        path: "/v1/verify_nfc",
        fixtures: "tv36-verify-nfc",
        serving: Serving::Refused {
            outcome: REFUSAL,
            why: "chip verification is not built yet; the police registry check can never be \
                  real offline (spec section 9 items 3-4)",
        },
        errors: &REFUSED_ROW,
        note: NOT_BUILT,
    },
    RouteDoc {
        id: "TV-37",
        method: "POST",
        path: "/v1/check_nfc",
        fixtures: "tv37-check-nfc",
        serving: Serving::Refused {
            outcome: REFUSAL,
            why: "the local NFC ledger it reads is not built yet (spec section 9 item 6)",
        },
        errors: &[
            REFUSED_SHOWN[0],
            REFUSED_SHOWN[1],
            REFUSED_SHOWN[2],
            REFUSED_INVALID,
            REFUSED_REQUEST_NOT_FOUND,
            REFUSED_TIMEOUT,
            REFUSED_INTERNAL,
        ],
        note: NOT_BUILT,
    },
    RouteDoc {
        id: "TV-38",
        method: "POST",
        path: "/v1/index_faces_video",
        fixtures: "tv38-index-faces-video",
        serving: Serving::Refused {
            outcome: REFUSAL,
            why: "indexing a face from a video needs video liveness, which is not built yet",
        },
        errors: &REFUSED_ROW,
        note: NOT_BUILT,
    },
    // Not in the vendor document: paths the vendor's own client (@tsocial/trustvision-sdk) calls.
    RouteDoc {
        id: "TV-ext",
        method: "GET",
        path: "/v1/face_images/{face_id}",
        fixtures: "tvext-face-images",
        serving: Serving::Real,
        // Undocumented route: the frame's global errors and the image table's 404.
        errors: &[SKEWED, DENIED, IMAGE_NOT_FOUND],
        note:
            "Not in the vendor document (the SDK's downloadFaceImage): a reported face's crop as \
               JPEG.",
    },
    RouteDoc {
        id: "TV-ext2",
        method: "POST",
        path: "/v1/ekyc_pdf",
        fixtures: "tvext2-ekyc-pdf",
        serving: Serving::Refused {
            outcome: REFUSAL,
            why: "eKYC over a PDF is not built yet",
        },
        errors: &[SKEWED, DENIED],
        note: "Not in the vendor document (the SDK's ekyc_pdf call); not built yet.",
    },
];
