//! A stable partition of a scan's inputs, so N workers (a Kubernetes Indexed Job, a Slurm
//! array, `xargs -P`) split any store without talking to each other: input `p` belongs to
//! shard `FNV-1a-64(bytes of p) mod N`. The hash is fixed by this file (offset basis
//! 0xcbf29ce484222325, prime 0x100000001b3, over the path's raw bytes as named or walked), not
//! by the standard library's hasher, so it is the same on every platform and every version.
//! Workers must name the same paths (the same roots, or the same `--files-from` list).
use std::fmt;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::str::FromStr;

/// Shard `index` of `count` (0-based): `--shard 0/4` ... `--shard 3/4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    index: u64,
    count: u64,
}

/// Why a `--shard` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    /// Not `I/N` with two unsigned integers.
    #[error("`{value}` is not I/N (for example 0/4)")]
    Syntax {
        /// The value given.
        value: String,
    },
    /// `N` is zero or `I` is not below `N`.
    #[error("shard {index}/{count}: the index must be below the count (0/{count} .. {last}/{count})", last = count.saturating_sub(1))]
    OutOfRange {
        /// The index given.
        index: u64,
        /// The count given.
        count: u64,
    },
}

impl Shard {
    /// Shard `index` of `count`; `index` must be below `count`.
    pub fn new(index: u64, count: u64) -> Result<Self, ShardError> {
        if index >= count {
            return Err(ShardError::OutOfRange { index, count });
        }
        Ok(Shard { index, count })
    }

    /// Whether `path` belongs to this shard.
    pub fn contains(&self, path: &Path) -> bool {
        fnv1a64(path.as_os_str().as_bytes()) % self.count == self.index
    }
}

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(value: &str) -> Result<Self, ShardError> {
        let syntax = || ShardError::Syntax {
            value: value.to_owned(),
        };
        let (index, count) = value.split_once('/').ok_or_else(syntax)?;
        let index = index.trim().parse().map_err(|_| syntax())?;
        let count = count.trim().parse().map_err(|_| syntax())?;
        Shard::new(index, count)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// 64-bit FNV-1a (<http://www.isthe.com/chongo/tech/comp/fnv/>).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_matches_the_published_test_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn shards_partition_every_path_exactly_once() -> Result<(), ShardError> {
        let shards: Vec<Shard> = (0..4).map(|i| Shard::new(i, 4)).collect::<Result<_, _>>()?;
        let mut sizes = [0u32; 4];
        for n in 0..1000 {
            let path = format!("store/model-{n}.pt");
            let owners: Vec<usize> = (0..4)
                .filter(|&i| shards[i].contains(Path::new(&path)))
                .collect();
            assert_eq!(owners.len(), 1, "{path}");
            sizes[owners[0]] += 1;
        }
        assert!(sizes.iter().all(|&n| n > 150), "{sizes:?}");
        Ok(())
    }

    #[test]
    fn parses_i_of_n_and_refuses_the_rest() {
        assert_eq!("2/5".parse(), Shard::new(2, 5));
        assert!(matches!(
            "5/5".parse::<Shard>(),
            Err(ShardError::OutOfRange { index: 5, count: 5 })
        ));
        assert!(matches!(
            "0/0".parse::<Shard>(),
            Err(ShardError::OutOfRange { .. })
        ));
        assert!(matches!(
            "1".parse::<Shard>(),
            Err(ShardError::Syntax { .. })
        ));
        assert!(matches!(
            "a/2".parse::<Shard>(),
            Err(ShardError::Syntax { .. })
        ));
    }
}
