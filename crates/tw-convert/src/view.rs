//! Tensor view geometry (torch's strided model: element `i` of a view lives at byte
//! `start + Σ i_d · stride_d · element_size` of its storage). Every quantity is computed with
//! checked arithmetic; a view whose numbers overflow is never constructed.

/// Where a tensor's elements are within its region (storage record or `.npy` data).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct View {
    /// Byte offset of element 0 from the start of the region.
    pub start: u64,
    /// Sizes.
    pub shape: Vec<u64>,
    /// Strides, in elements.
    pub stride: Vec<u64>,
    /// Bytes per element.
    pub element_size: u64,
}

impl View {
    /// Number of elements; `None` on overflow.
    pub fn numel(&self) -> Option<u64> {
        self.shape.iter().try_fold(1u64, |a, &d| a.checked_mul(d))
    }

    /// Bytes the contiguous copy takes; `None` on overflow.
    pub fn nbytes(&self) -> Option<u64> {
        self.numel()?.checked_mul(self.element_size)
    }

    /// Bytes of the region the view reaches, from the region start (0 for an empty view);
    /// `None` on overflow.
    pub fn end(&self) -> Option<u64> {
        let extent = tw_checkpoint::view_extent(0, &self.shape, &self.stride, self.element_size)?;
        if extent == 0 {
            return Some(0);
        }
        self.start.checked_add(extent)
    }

    /// Whether the elements are already in C order with no gaps (dimensions of size 1 have
    /// no stride that matters; an empty view is trivially contiguous).
    pub fn is_contiguous(&self) -> bool {
        if self.shape.contains(&0) {
            return true;
        }
        let mut expected = 1u64;
        for (&size, &stride) in self.shape.iter().zip(&self.stride).rev() {
            if size != 1 && stride != expected {
                return false;
            }
            match expected.checked_mul(size) {
                Some(next) => expected = next,
                None => return false,
            }
        }
        true
    }
}

/// C-order strides (in elements) of `shape`.
pub(crate) fn c_strides(shape: &[u64]) -> Vec<u64> {
    let mut strides = vec![0u64; shape.len()];
    let mut acc = 1u64;
    for (slot, &size) in strides.iter_mut().zip(shape).rev() {
        *slot = acc;
        acc = acc.saturating_mul(size);
    }
    strides
}

/// Fortran-order strides (in elements) of `shape`.
pub(crate) fn f_strides(shape: &[u64]) -> Vec<u64> {
    let mut strides = Vec::with_capacity(shape.len());
    let mut acc = 1u64;
    for &size in shape {
        strides.push(acc);
        acc = acc.saturating_mul(size);
    }
    strides
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(start: u64, shape: &[u64], stride: &[u64]) -> View {
        View {
            start,
            shape: shape.to_vec(),
            stride: stride.to_vec(),
            element_size: 4,
        }
    }

    #[test]
    fn contiguity_and_extent() {
        assert!(view(0, &[2, 3], &[3, 1]).is_contiguous());
        assert!(view(8, &[1, 3], &[99, 1]).is_contiguous());
        assert!(!view(0, &[2, 3], &[1, 2]).is_contiguous());
        assert!(view(0, &[0, 3], &[0, 0]).is_contiguous());
        assert!(view(0, &[], &[]).is_contiguous());
        assert_eq!(view(8, &[2, 3], &[1, 2]).end(), Some(8 + 6 * 4));
        assert_eq!(view(8, &[0], &[1]).end(), Some(0));
        assert_eq!(view(0, &[u64::MAX, 2], &[u64::MAX, 1]).end(), None);
        assert_eq!(c_strides(&[2, 3, 4]), vec![12, 4, 1]);
        assert_eq!(f_strides(&[2, 3, 4]), vec![1, 2, 6]);
    }
}
