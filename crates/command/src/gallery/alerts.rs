//! Suspect-face alerts (TV-17, S3 over the suspect collections + S8 inquiry history), served with
//! local scope (spec section 9 item 5): the "suspect DB" is every local client's collection of the
//! configured suspect name, a "member" is a local client (tenant), and the inquiry history is this
//! deployment's own log of alert inquiries, each kept as a face so that "inquiries about this
//! face" is a real 1:N search.

use std::collections::HashSet;
use std::sync::PoisonError;

use engine::FaceEmbedding;
use store::{Embedding, Face, Metadata, Namespace, TenantId};

use super::{indexed, FaceGallery, GalleryError};
use crate::records::Batch;
use crate::score::CalibratedScore;

/// The collection that holds a tenant's inquiry log. It starts with a control character, which
/// the dialects refuse in client-chosen collection names, so no client can write into it.
pub const INQUIRY_COLLECTION: &str = "\u{1}inquiries";

/// The history periods of TV-17, in days.
pub const PERIODS: [(&str, u64); 4] = [
    ("last_1day", 1),
    ("last_7day", 7),
    ("last_30day", 30),
    ("last_180day", 180),
];

const DAY_MS: u64 = 24 * 60 * 60 * 1000;
/// At most this many suspect faces or past inquiries are counted per query face and member.
const MAX_COUNTED: usize = 10_000;

/// One query face of an alert: its embedding and, when it came from an image, where (so that the
/// inquiry can be re-embedded from its image after a model change).
#[derive(Debug, Clone)]
pub struct AlertQuery {
    pub embedding: FaceEmbedding,
    pub source: Option<(store::MediaId, engine::BoundingBox)>,
}

/// A suspect face that matched.
#[derive(Debug, Clone, PartialEq)]
pub struct SuspectMatch {
    pub score: CalibratedScore,
    pub created_at_ms: u64,
    pub member: TenantId,
}

/// The counts of one period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodCounts {
    pub period: &'static str,
    pub suspect_faces: usize,
    pub members_with_suspect_faces: usize,
    pub inquiries: usize,
    pub members_inquiring: usize,
}

/// The answer for one query face.
#[derive(Debug, Clone, PartialEq)]
pub struct SuspectAlert {
    /// Best first, at most the requested number.
    pub matches: Vec<SuspectMatch>,
    pub history: Vec<PeriodCounts>,
}

impl FaceGallery {
    /// Records one inquiry per query face by `tenant` (in the same transaction as `batch`), then
    /// searches every member's `suspect_collection` and counts the matching suspect faces and
    /// inquiries per period. A match is a score of at least `match_at`.
    pub fn alert_suspects(
        &self,
        tenant: &TenantId,
        suspect_collection: &str,
        queries: &[AlertQuery],
        match_at: CalibratedScore,
        max_matches: usize,
        batch: &Batch,
    ) -> Result<Vec<SuspectAlert>, GalleryError> {
        let now = store::unix_millis_now();
        let inquiries = Namespace::new(tenant.clone(), INQUIRY_COLLECTION);
        let logged: Vec<Face> = queries
            .iter()
            .map(|query| Face {
                namespace: inquiries.clone(),
                face_id: store::ids::new_face_id(),
                person_id: None,
                embedding: Embedding {
                    model_id: query.embedding.model_id.clone(),
                    values: query.embedding.values.clone(),
                },
                bounding_box: query
                    .source
                    .as_ref()
                    .map(|(_, bbox)| super::stored_box(bbox)),
                metadata: Metadata::new(),
                source_media_id: query.source.as_ref().map(|(media, _)| media.clone()),
                created_at_ms: now,
            })
            .collect();
        {
            let _writing = self.writes.lock().unwrap_or_else(PoisonError::into_inner);
            self.store.write(&mut |tx| {
                batch.apply(tx)?;
                for face in &logged {
                    tx.put_face(face)?;
                }
                Ok(())
            })?;
            let mut index = self.write_index();
            for face in &logged {
                index.upsert(inquiries.clone(), indexed(face.clone()))?;
            }
        }

        let namespaces: Vec<Namespace> = self.read_index().namespaces().cloned().collect();
        let mut alerts = Vec::with_capacity(queries.len());
        for query in queries.iter().map(|q| &q.embedding) {
            let mut suspects = Vec::new();
            let mut past = Vec::new();
            for namespace in &namespaces {
                let is_suspects = namespace.collection == suspect_collection;
                let is_inquiries = namespace.collection == INQUIRY_COLLECTION;
                if !is_suspects && !is_inquiries {
                    continue;
                }
                let hits =
                    self.read_index()
                        .search(namespace, query, MAX_COUNTED, match_at, None)?;
                for hit in hits {
                    let face_id = store::FaceId::new(hit.face_id);
                    let Some(face) = self.store.get_face(namespace, &face_id)? else {
                        continue;
                    };
                    let found = SuspectMatch {
                        score: hit.score,
                        created_at_ms: face.created_at_ms,
                        member: namespace.tenant.clone(),
                    };
                    if is_suspects {
                        suspects.push(found);
                    } else {
                        past.push(found);
                    }
                }
            }
            suspects.sort_by(|a, b| b.score.value().total_cmp(&a.score.value()));
            let history = PERIODS
                .iter()
                .map(|&(period, days)| {
                    let since = now.saturating_sub(days * DAY_MS);
                    let recent = |list: &[SuspectMatch]| -> (usize, usize) {
                        let within: Vec<&SuspectMatch> =
                            list.iter().filter(|m| m.created_at_ms >= since).collect();
                        let members: HashSet<&TenantId> =
                            within.iter().map(|m| &m.member).collect();
                        (within.len(), members.len())
                    };
                    let (suspect_faces, members_with_suspect_faces) = recent(&suspects);
                    let (inquiries, members_inquiring) = recent(&past);
                    PeriodCounts {
                        period,
                        suspect_faces,
                        members_with_suspect_faces,
                        inquiries,
                        members_inquiring,
                    }
                })
                .collect();
            suspects.truncate(max_matches);
            alerts.push(SuspectAlert {
                matches: suspects,
                history,
            });
        }
        Ok(alerts)
    }
}
