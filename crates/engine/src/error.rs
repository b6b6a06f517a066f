//! Every way the engine can fail on an input, with meaning; dialects map these once, in their tables.

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The bytes are not an image in a format the engine reads, or are corrupted/truncated.
    #[error("not a decodable image: {0}")]
    Undecodable(String),
    /// The encoded file is larger than the limit.
    #[error("image file is {bytes} bytes, over the limit of {limit}")]
    FileTooLarge { bytes: usize, limit: usize },
    /// The encoded file is empty or too short to be an image.
    #[error("image file is {bytes} bytes, under the minimum of {limit}")]
    FileTooSmall { bytes: usize, limit: usize },
    /// Width or height below the minimum side.
    #[error("image is {width}x{height} pixels, under the minimum side of {min_side}")]
    ImageTooSmall {
        width: u32,
        height: u32,
        min_side: u32,
    },
    /// Width, height or pixel count above the limit (checked from the header, before decoding).
    #[error("image is {width}x{height} pixels, over the limit")]
    ImageTooLarge { width: u32, height: u32 },
    /// No face was found.
    #[error("no face detected")]
    NoFace,
    /// A model failed at run time: an internal error, never the client's.
    #[error("model failure: {0}")]
    Model(String),
    /// A model file could not be loaded at start.
    #[error("cannot load model {path}: {reason}")]
    ModelLoad { path: String, reason: String },
}
