//! Id generators for records the server names.

use crate::model::{FaceId, MediaId, PersonId, RequestId};

/// A new aisolution-style person id: a 20-character xid, e.g. `c5r7jedkujdbnasarhn0`
/// (dialects.md AI-3 example). xids sort by creation time; they embed a hash of the host name and
/// the process id, as upstream's do.
pub fn new_person_id() -> PersonId {
    PersonId::new(xid::new().to_string())
}

/// A new face id (UUIDv4, the TrustVision format).
pub fn new_face_id() -> FaceId {
    FaceId::new(uuid::Uuid::new_v4().to_string())
}

/// A new media id (UUIDv4, TrustVision `image_id` / `file_id`).
pub fn new_media_id() -> MediaId {
    MediaId::new(uuid::Uuid::new_v4().to_string())
}

/// A new request id (UUIDv4, dialects.md 6.4).
pub fn new_request_id() -> RequestId {
    RequestId::new(uuid::Uuid::new_v4().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn person_ids_are_20_char_base32hex_and_unique() {
        let a = new_person_id();
        let b = new_person_id();
        assert_eq!(a.as_str().len(), 20);
        assert!(a
            .as_str()
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='v').contains(&c)));
        assert_ne!(a, b);
    }

    #[test]
    fn uuids_are_v4() {
        let id = new_face_id();
        let parsed = uuid::Uuid::parse_str(id.as_str()).expect("a uuid");
        assert_eq!(parsed.get_version_num(), 4);
        assert_ne!(new_media_id().as_str(), new_request_id().as_str());
    }
}
