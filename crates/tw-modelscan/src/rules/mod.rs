//! One file per TW1xx rule: its metadata and documentation. `RULES` is the explicit list the
//! binary registers; a test checks it is sorted and unique.
use tw_diagnostics::RuleMeta;

pub mod archive_without_model;
pub mod code_bearing_archive;
pub mod dangerous_callable;
pub mod decompression_bomb;
pub mod global_not_allowlisted;
pub mod index_path_escape;
pub mod index_tensor_missing;
pub mod invalid_mutation_target;
pub mod joblib_side_file;
pub mod keras_foreign_object;
pub mod keras_lambda_layer;
pub mod legacy_tar_checkpoint;
pub mod mixed_weight_formats;
pub mod numpy_object_array;
pub mod persistent_id_not_storage;
pub mod pickle_stack_residue;
pub mod safe_globals_needed;
pub mod safetensors_header_invalid;
pub mod shard_missing;
pub mod shard_not_indexed;
pub mod shared_reference_expansion;
pub mod storage_dtype_conflict;
pub mod storage_size_mismatch;
pub mod tensor_view_out_of_bounds;
pub mod trailing_data;
pub mod unsupported_model_format;
pub mod weights_only_incompatible;
pub mod zip_ambiguity;

/// Every TW1xx rule, in ID order.
pub static RULES: &[RuleMeta] = &[
    dangerous_callable::RULE,
    global_not_allowlisted::RULE,
    code_bearing_archive::RULE,
    legacy_tar_checkpoint::RULE,
    storage_size_mismatch::RULE,
    storage_dtype_conflict::RULE,
    tensor_view_out_of_bounds::RULE,
    invalid_mutation_target::RULE,
    persistent_id_not_storage::RULE,
    zip_ambiguity::RULE,
    decompression_bomb::RULE,
    numpy_object_array::RULE,
    trailing_data::RULE,
    weights_only_incompatible::RULE,
    safetensors_header_invalid::RULE,
    unsupported_model_format::RULE,
    keras_lambda_layer::RULE,
    keras_foreign_object::RULE,
    archive_without_model::RULE,
    pickle_stack_residue::RULE,
    shared_reference_expansion::RULE,
    safe_globals_needed::RULE,
    shard_missing::RULE,
    index_tensor_missing::RULE,
    shard_not_indexed::RULE,
    mixed_weight_formats::RULE,
    index_path_escape::RULE,
    joblib_side_file::RULE,
];

#[cfg(test)]
mod tests {
    use super::RULES;

    #[test]
    fn ids_sorted_unique_and_in_block() {
        assert_eq!(tw_diagnostics::check_rule_list(RULES, "TW1", None), Ok(()));
    }
}
