//! gliswadetail's `message` on `OK` (`003:L442-476`): the number in E.164 and `whatsapp`, plus the
//! account facts only when `whatsapp` is `yes`.

use command::messaging::LookupAnswer;
use serde_json::{json, Value};

pub fn message(answer: &LookupAnswer) -> Value {
    let yes_no = |flag: bool| if flag { "yes" } else { "no" };
    let number = answer.number().as_str();
    match answer {
        LookupAnswer::Registered { details, .. } => json!({
            "number": number,
            "whatsapp": "yes",
            "status_update": details.status_update,
            "signature": details.signature,
            "business_user": yes_no(details.business_user),
            "avatar": yes_no(details.avatar),
        }),
        LookupAnswer::NotRegistered { .. } => json!({"number": number, "whatsapp": "no"}),
        LookupAnswer::Checking { .. } => json!({"number": number, "whatsapp": "checking"}),
        LookupAnswer::Unavailable { .. } => json!({"number": number, "whatsapp": "unavailable"}),
    }
}
