//! The vendor document's one route (ST-1, spec 3.5), how this gateway serves it, and the errors the
//! vendor documents (`001:L153-221`): the body codes, and the HTTP statuses, whose body `code` is the
//! status number (spec S4).

pub use ::wire::catalogue::{ErrorDoc, RouteDoc, Serving};

pub const ROUTES: &[RouteDoc] = &[RouteDoc {
    id: "ST-1",
    method: "POST",
    path: "/identity/image_verification/stateless",
    fixtures: "st1-stateless",
    serving: Serving::Real,
    errors: &[
        ErrorDoc::shown(400, "1200"),
        ErrorDoc::shown(400, "2003"),
        ErrorDoc::shown(400, "2004"),
        ErrorDoc::shown(400, "2005"),
        ErrorDoc::shown(400, "4000"),
        // check_quality=true with eyes, nose or mouth covered.
        ErrorDoc::shown(400, "4004"),
        // A method other than POST on the route (the seed's status list has no 405).
        ErrorDoc::shown(404, "404"),
        ErrorDoc::waived(
            411,
            "411",
            "needs a POST with neither Content-Length nor chunked encoding, which HTTP client \
             libraries (the replay tool's included) never send; provoked over a raw socket in \
             crates/gateway/tests/stateless_errors.rs \
             (a_body_over_the_limit_gets_413_and_a_post_without_length_gets_411)",
        ),
        ErrorDoc::waived(
            413,
            "413",
            "needs a body over max_body_bytes (32 MiB by default), too large to keep as a \
             fixture; tested with EKYC_MAX_BODY_BYTES in crates/gateway/tests/stateless_errors.rs \
             (a_body_over_the_limit_gets_413_and_a_post_without_length_gets_411)",
        ),
        ErrorDoc::waived(
            500,
            "500",
            "a model failure of the gateway's own: no client request can provoke one, and a 500 \
             for a client's mistake is a defect; the table's rows are unit-tested in \
             dialects/stateless/src/error.rs (rows_match_the_seed, \
             client_mistakes_are_never_server_errors)",
        ),
    ],
    note: "Both images AES-256-GCM decrypted, largest faces compared; verification_score is the \
           calibrated score.",
}];
