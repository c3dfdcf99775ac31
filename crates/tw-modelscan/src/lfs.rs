//! Git LFS pointer files (git-lfs spec v1, docs/spec.md in git-lfs/git-lfs): a checkout
//! without `git lfs pull` leaves a ~130-byte text file where the weights should be. Named like
//! a model file, it is reported as exactly that, not as an unknown format.

/// The first line every LFS pointer starts with.
const SPEC_LINE: &[u8] = b"version https://git-lfs.github.com/spec/v1\n";

/// Pointers are small; anything larger is not one.
const MAX_POINTER_BYTES: usize = 1024;

/// Whether `data` is a Git LFS pointer file.
pub(crate) fn is_pointer(data: &[u8]) -> bool {
    data.len() <= MAX_POINTER_BYTES
        && data.starts_with(SPEC_LINE)
        && data
            .split(|&b| b == b'\n')
            .any(|line| line.starts_with(b"oid sha256:"))
}

/// The error message for a pointer where a model file was promised.
pub(crate) const MESSAGE: &str =
    "a Git LFS pointer, not the weights: run `git lfs pull` to fetch the file";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_are_recognised() {
        let pointer = b"version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n";
        assert!(is_pointer(pointer));
        assert!(!is_pointer(
            b"version https://git-lfs.github.com/spec/v1\nsize 1\n"
        ));
        assert!(!is_pointer(b"PK\x03\x04"));
    }
}
