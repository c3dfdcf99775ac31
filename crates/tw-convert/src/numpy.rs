//! `NumPy` `.npy` and `.npz` as conversion inputs (numpy `lib/_format_impl.py`): each array's
//! header (already parsed by `tw-checkpoint`, never evaluated) gives dtype, order and shape;
//! the dtype string maps to a safetensors dtype (`<` little, `>` big and swapped, `|`/`=`
//! single byte or native little-endian); Fortran order is a strided view. `.npz` members are
//! named as `np.load` names them (the member name without `.npy`).

use tw_checkpoint::npy::{Descr, NpyHeader};
use tw_checkpoint::zip::{Method, ZipArchive};
use tw_checkpoint::{Container, Format};

use crate::error::ConvertError;
use crate::options::ConvertOptions;
use crate::source::{InputTensor, Inputs, Placement};
use crate::view::{c_strides, f_strides, View};

/// The safetensors dtype, element size and swap unit of a numpy type string, or why not.
fn map_descr(descr: &Descr) -> Result<(&'static str, u64, u64), String> {
    let Descr::Simple { text } = descr else {
        return Err("structured dtypes have no safetensors equivalent".to_owned());
    };
    let (order, body) = match text.chars().next() {
        Some(c @ ('<' | '>' | '|' | '=')) => (c, text.get(1..).unwrap_or_default()),
        _ => ('=', text.as_str()),
    };
    let (dtype, size) = match body {
        "?" | "b1" => ("BOOL", 1),
        "i1" => ("I8", 1),
        "u1" => ("U8", 1),
        "i2" => ("I16", 2),
        "u2" => ("U16", 2),
        "f2" => ("F16", 2),
        "i4" => ("I32", 4),
        "u4" => ("U32", 4),
        "f4" => ("F32", 4),
        "i8" => ("I64", 8),
        "u8" => ("U64", 8),
        "f8" => ("F64", 8),
        "c8" => ("C64", 8),
        _ => {
            return Err(format!(
                "numpy dtype `{text}` has no safetensors equivalent"
            ))
        }
    };
    let swap = match (order, dtype) {
        ('>', "C64") => 4,
        ('>', _) if size > 1 => size,
        _ => 0,
    };
    Ok((dtype, size, swap))
}

/// One array: its tensor, reading from `placement` (the data after the header).
fn push(
    out: &mut Inputs,
    name: String,
    region_name: &str,
    header: &NpyHeader,
    placement: Placement,
) -> Result<(), ConvertError> {
    let (dtype, element_size, swap) =
        map_descr(&header.descr).map_err(|reason| ConvertError::UnsupportedTensor {
            name: name.clone(),
            reason,
        })?;
    let stride = if header.fortran_order {
        f_strides(&header.shape)
    } else {
        c_strides(&header.shape)
    };
    let region = out.region(region_name, placement, header.data_len);
    out.tensors.push(InputTensor {
        name,
        dtype,
        swap,
        view: View {
            start: 0,
            shape: header.shape.clone(),
            stride,
            element_size,
        },
        region,
        origin: format!("member {region_name}"),
    });
    Ok(())
}

/// Reads the arrays of an `.npy` or `.npz` file.
pub(crate) fn inputs(
    data: &[u8],
    container: &Container<'_>,
    options: &ConvertOptions,
) -> Result<Inputs, ConvertError> {
    let mut out = Inputs::default();
    if container.format == Format::Npy {
        let (_, header) = container
            .facts
            .npy
            .first()
            .ok_or_else(|| ConvertError::Malformed {
                message: "the .npy header was not read".to_owned(),
            })?;
        let placement = Placement::Stored {
            start: header.data_offset,
        };
        push(
            &mut out,
            options.bare_name.clone(),
            "npy data",
            header,
            placement,
        )?;
        return Ok(out);
    }
    let zip = ZipArchive::parse(data, &options.checkpoint.limits).map_err(|e| {
        ConvertError::Malformed {
            message: e.to_string(),
        }
    })?;
    let files: Vec<_> = zip.entries().iter().filter(|e| !e.is_dir()).collect();
    if files.len() != container.facts.npy.len() {
        let arrays: Vec<&str> = container
            .facts
            .npy
            .iter()
            .map(|(n, _)| n.as_str())
            .collect();
        let other: Vec<&str> = files
            .iter()
            .map(|e| e.name.as_str())
            .filter(|n| !arrays.contains(n))
            .collect();
        return Err(ConvertError::Malformed {
            message: format!(
                "the .npz holds members that are not arrays: {}",
                other.join(", ")
            ),
        });
    }
    // First entry of each name (duplicates are a zip finding, refused before this point).
    let mut by_name = std::collections::HashMap::new();
    for entry in &files {
        by_name.entry(entry.name.as_str()).or_insert(*entry);
    }
    for (member, header) in &container.facts.npy {
        let entry = by_name
            .get(member.as_str())
            .ok_or_else(|| ConvertError::Malformed {
                message: format!("member `{member}` is not in the central directory"),
            })?;
        let placement = match entry.method {
            Method::Stored => Placement::Stored {
                start: entry
                    .data_start
                    .checked_add(header.data_offset)
                    .ok_or_else(|| ConvertError::Malformed {
                        message: format!("member `{member}`: data offset overflows"),
                    })?,
            },
            Method::Deflate => Placement::Deflated {
                start: entry.data_start,
                end: entry.data_end(),
                skip: header.data_offset,
            },
            Method::Other(code) => {
                return Err(ConvertError::Malformed {
                    message: format!("member `{member}` uses compression method {code}"),
                })
            }
        };
        let name = member.strip_suffix(".npy").unwrap_or(member).to_owned();
        push(&mut out, name, member, header, placement)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn simple(text: &str) -> Descr {
        Descr::Simple {
            text: text.to_owned(),
        }
    }

    #[test]
    fn maps_numpy_dtypes() {
        assert_eq!(map_descr(&simple("<f4")), Ok(("F32", 4, 0)));
        assert_eq!(map_descr(&simple(">f8")), Ok(("F64", 8, 8)));
        assert_eq!(map_descr(&simple(">c8")), Ok(("C64", 8, 4)));
        assert_eq!(map_descr(&simple("|b1")), Ok(("BOOL", 1, 0)));
        assert_eq!(map_descr(&simple("|u1")), Ok(("U8", 1, 0)));
        assert!(map_descr(&simple("<c16")).is_err());
        assert!(map_descr(&simple("<U3")).is_err());
        assert!(map_descr(&Descr::Structured { fields: vec![] }).is_err());
    }
}
