//! Every route of the vendor document (AI-1..AI-6, spec 5.5), how this gateway serves each, and the
//! statuses the vendor documents for it (each route's status table, `OK` aside), plus
//! `INVALID_REQUEST` for a bad token on every route (spec 5.1, A2). Paths are without the `?token=`
//! query, which every route takes. The WhatsApp callback (`003:L482`) is a `GET` the gateway sends
//! to the client's URL, not a route it serves: it is part of AI-6.

pub use ::wire::catalogue::{ErrorDoc, RouteDoc, Serving};

const INTERNAL: &str = "a failure of the gateway's own (store, worker): no client request can \
    provoke one, and a server error for a client's mistake is a defect; the row is \
    AisolutionError::Internal in dialects/aisolution/src/error.rs, not provoked over HTTP";

/// Spec 5.1 (A2): a missing or unknown `token`, on every route.
const BAD_TOKEN: ErrorDoc = ErrorDoc::shown(200, "INVALID_REQUEST");
const SERVER_ERROR: ErrorDoc = ErrorDoc::waived(200, "RETRY_LATER", INTERNAL);

pub const ROUTES: &[RouteDoc] = &[
    RouteDoc {
        id: "AI-1",
        method: "POST",
        path: "/v1/facecompare",
        fixtures: "ai1-facecompare",
        serving: Serving::Real,
        errors: &[
            BAD_TOKEN,
            ErrorDoc::shown(200, "IMAGE_INVALID_SIZE"),
            // `003:L78-81`: no face in an image (IMAGEA_/IMAGEB_FACE_DETECT_FAILED, A7).
            ErrorDoc::shown(200, "RETRY_LATER"),
        ],
        note: "Largest face of each image; similarity is 100 x the calibrated score.",
    },
    RouteDoc {
        id: "AI-2",
        method: "POST",
        path: "/v1/idholding",
        fixtures: "ai2-idholding",
        serving: Serving::Real,
        errors: &[
            BAD_TOKEN,
            ErrorDoc::shown(200, "IMAGE_INVALID_SIZE"),
            ErrorDoc::shown(200, "INVALID_FACE_NUM"),
            SERVER_ERROR,
        ],
        note: "The card is located in the image; its portrait is compared with the holder's face.",
    },
    RouteDoc {
        id: "AI-3",
        method: "POST",
        path: "/v1/addface",
        fixtures: "ai3-addface",
        serving: Serving::Real,
        errors: &[
            BAD_TOKEN,
            ErrorDoc::shown(200, "FACE_DETECT_FAILED"),
            ErrorDoc::waived(200, "FAIL", INTERNAL),
            ErrorDoc::waived(
                200,
                "RETRY_LATER",
                "only in the seed's server-error example (003:L256-259), not in the route's \
                 status table; this gateway answers addface's own failures with the table's FAIL \
                 (dialects/aisolution/src/error.rs), so no request yields RETRY_LATER here",
            ),
        ],
        note: "Joins the nearest person at or above the same-person threshold, else a new person.",
    },
    RouteDoc {
        id: "AI-4",
        method: "POST",
        path: "/v1/searchface",
        fixtures: "ai4-searchface",
        serving: Serving::Partial(
            "no passive-liveness model: the documented FAIL (not pass living recognition) is \
             never answered",
        ),
        errors: &[
            BAD_TOKEN,
            ErrorDoc::waived(
                200,
                "FAIL",
                "needs a passive liveness check the engine does not have: the gate is not active \
                 (docs/compatibility.md), so no request yields it and nothing tests it yet",
            ),
            SERVER_ERROR,
            ErrorDoc::shown(200, "FACE_DETECT_FAILED"),
        ],
        note: "Persons at or above the NOT SURE floor, best first; liveness gate not active.",
    },
    RouteDoc {
        id: "AI-5",
        method: "POST",
        path: "/v1/delface",
        fixtures: "ai5-delface",
        serving: Serving::Real,
        errors: &[
            BAD_TOKEN,
            ErrorDoc::shown(200, "PERSON_ID_NOT_EXIST"),
            SERVER_ERROR,
        ],
        note: "Deletes the person of the caller's group, its faces and their images.",
    },
    RouteDoc {
        id: "AI-6",
        method: "POST",
        path: "/v1/gliswadetail",
        fixtures: "ai6-gliswadetail",
        serving: Serving::Refused {
            outcome: "RETRY_LATER",
            why: "no WhatsApp account data exists offline: with the default provider (none) a \
                  valid lookup answers RETRY_LATER, or whatsapp: unavailable with servstatus=y; an \
                  operator-written table (provider = file) answers the numbers it lists",
        },
        errors: &[
            BAD_TOKEN,
            ErrorDoc::waived(
                200,
                "FAIL",
                "an unsupported country needs a gateway configured with a countries allowlist \
                 (none by default: every country is allowed); tested in \
                 crates/gateway/tests/aisolution_whatsapp.rs \
                 (gliswadetail_answers_from_the_provider_and_calls_back_once)",
            ),
            ErrorDoc::shown(200, "INVALID_INPUT"),
            ErrorDoc::shown(200, "RETRY_LATER"),
        ],
        note: "Number and callback validation, jobs and callbacks are real; account facts only \
               from a configured provider.",
    },
];
