//! Findings for the code a Keras model carries (TW117 Lambda layers, TW118 objects from
//! modules outside Keras), from the config `tw-checkpoint` read out of a `.keras` zip or an
//! HDF5 file, and TW116 for an HDF5 file too long to search whole that showed no config.
use tw_checkpoint::keras::KerasCode;
use tw_checkpoint::Container;
use tw_diagnostics::Location;

use crate::analyse::FileOutcome;
use crate::rules::{keras_foreign_object, keras_lambda_layer, unsupported_model_format};

/// Pushes the findings of a Keras archive or HDF5 file opened as `container`.
pub(crate) fn findings(container: &Container<'_>, location: &Location, out: &mut FileOutcome) {
    let entry = if container.format == tw_checkpoint::Format::Keras {
        Some("config.json")
    } else {
        None
    };
    let at = || {
        let loc = location.clone();
        match entry {
            Some(e) if loc.entry.is_none() => loc.with_entry(e),
            _ => loc,
        }
    };
    for code in &container.facts.keras_code {
        match code {
            KerasCode::Lambda {
                layer,
                path,
                bytecode,
            } => out.push(keras_lambda_layer::finding(
                at(),
                layer.as_deref(),
                path,
                *bytecode,
            )),
            KerasCode::ForeignObject { module, name, path } => {
                out.push(keras_foreign_object::finding(
                    at(),
                    module,
                    name,
                    path,
                    tw_pickle::dangerous_reason(module, name),
                ));
            }
        }
    }
    if let Some(hdf5) = &container.facts.hdf5 {
        if hdf5.truncated_search && !hdf5.config_found {
            out.push(unsupported_model_format::finding(
                location.clone(),
                &format!(
                    "HDF5 file with no Keras model_config in its first {} MiB (the rest is not searched)",
                    tw_checkpoint::hdf5::SEARCH_WINDOW >> 20
                ),
            ));
        }
    }
}
