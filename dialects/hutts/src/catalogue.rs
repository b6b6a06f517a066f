//! The vendor document's four routes (HU-1..HU-4, spec 2.5) and how this gateway serves them. The
//! seed documents no errors (H9): the errors listed are the gateway's `{"success": false, "error"}`
//! refusals of the spec's best reading (2.4), labelled by HTTP status.

pub use ::wire::catalogue::{ErrorDoc, RouteDoc, Serving};

/// Spec 2.4: a body that is not a JSON object, a missing or mistyped field, an image that does not
/// decode, no face or no ID document found.
const BAD_INPUT: ErrorDoc = ErrorDoc::shown(400, "400");
const INTERNAL: ErrorDoc = ErrorDoc::waived(
    500,
    "500",
    "a failure of the gateway's own (model, worker): no client request can provoke one, and a 500 \
     for a client's mistake is a defect; the row is HuttsError::Internal in \
     dialects/hutts/src/error.rs, not provoked over HTTP",
);

pub const ROUTES: &[RouteDoc] = &[
    RouteDoc {
        id: "HU-1",
        method: "POST",
        path: "/extractAll",
        fixtures: "hu1-extract-all",
        serving: Serving::Real,
        errors: &[BAD_INPUT, INTERNAL],
        note: "HU-2's fields and HU-3's portrait from one South African ID card or green ID book.",
    },
    RouteDoc {
        id: "HU-2",
        method: "POST",
        path: "/extractText",
        fixtures: "hu2-extract-text",
        serving: Serving::Real,
        errors: &[BAD_INPUT, INTERNAL],
        note: "The document located and read (OCR); the seven fields, null when unread; ID number \
               only when Luhn-valid.",
    },
    RouteDoc {
        id: "HU-3",
        method: "POST",
        path: "/extractFace",
        fixtures: "hu3-extract-face",
        serving: Serving::Real,
        errors: &[BAD_INPUT, INTERNAL],
        note: "The document's portrait, cropped, as a data:image/jpg;base64 URI.",
    },
    RouteDoc {
        id: "HU-4",
        method: "POST",
        path: "/verifyID",
        fixtures: "hu4-verify-id",
        serving: Serving::Real,
        errors: &[BAD_INPUT, INTERNAL],
        note: "face_match is 100 x the calibrated score; text_match the mean field similarity; \
               total 0.4 text + 0.6 face.",
    },
];
