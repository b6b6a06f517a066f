//! Loading tract plans once, and running them from any thread.

use std::path::Path;
use std::sync::Arc;

use tract_onnx::prelude::*;

use crate::EngineError;

/// One output tensor: its shape and its values, flattened.
pub(crate) type Output = (Vec<usize>, Vec<f32>);

/// An optimised tract plan; `run` takes `&self`, so one plan serves every worker thread.
pub(crate) struct Plan {
    plan: Arc<TypedRunnableModel>,
    name: &'static str,
}

impl Plan {
    pub fn tflite(path: &Path, name: &'static str) -> Result<Self, EngineError> {
        let load = || -> TractResult<Arc<TypedRunnableModel>> {
            tract_tflite::tflite()
                .model_for_path(path)?
                .into_optimized()?
                .into_runnable()
        };
        load()
            .map(|plan| Self { plan, name })
            .map_err(|e| load_error(path, e))
    }

    pub fn onnx(
        path: &Path,
        input_shape: &[usize],
        name: &'static str,
    ) -> Result<Self, EngineError> {
        let load = || -> TractResult<Arc<TypedRunnableModel>> {
            tract_onnx::onnx()
                .with_ignore_output_shapes(true)
                .with_ignore_value_info(true)
                .model_for_path(path)?
                .with_input_fact(0, f32::fact(input_shape).into())?
                .into_optimized()?
                .into_runnable()
        };
        load()
            .map(|plan| Self { plan, name })
            .map_err(|e| load_error(path, e))
    }

    /// Runs the plan on one f32 input; returns each output flattened, with its shape.
    pub fn run(&self, shape: &[usize], data: &[f32]) -> Result<Vec<Output>, EngineError> {
        let model_error = |e: TractError| EngineError::Model(format!("{}: {e}", self.name));
        let input = Tensor::from_shape(shape, data).map_err(model_error)?;
        let outputs = self.plan.run(tvec!(input.into())).map_err(model_error)?;
        outputs
            .iter()
            .map(|t| {
                let view = t.to_plain_array_view::<f32>().map_err(model_error)?;
                Ok((view.shape().to_vec(), view.iter().copied().collect()))
            })
            .collect()
    }
}

fn load_error(path: &Path, e: TractError) -> EngineError {
    EngineError::ModelLoad {
        path: path.display().to_string(),
        reason: format!("{e:#}"),
    }
}
