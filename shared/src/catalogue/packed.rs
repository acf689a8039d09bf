//! Compact forms the engine keeps and saves: many short strings in one
//! buffer, and arrays of numbers saved as raw little-endian bytes.
//!
//! A process that starts decodes the engine snapshot before it can answer:
//! tens of thousands of separately saved strings meant as many allocations
//! and UTF-8 checks (a quarter of the decoding), and hundreds of thousands
//! of postings read number by number. Here the text of a whole list is one
//! buffer, checked once, and number arrays are copied out of the bytes.

use std::fmt;

use serde::de::{self, SeqAccess, Visitor};
use serde::ser::SerializeTuple;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Strings in one buffer, each found by where it ends.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct StrList {
    text: String,
    /// Byte offset in `text` where each string ends, ascending.
    ends: Vec<u32>,
}

impl StrList {
    pub fn push(&mut self, s: &str) {
        self.text.push_str(s);
        self.ends.push(self.text.len() as u32);
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// String `i`; panics past the end, like indexing a `Vec`.
    pub fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

impl fmt::Debug for StrList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<S: AsRef<str>> FromIterator<S> for StrList {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        let mut list = StrList::default();
        for s in iter {
            list.push(s.as_ref());
        }
        list
    }
}

/// Serialises as bytes (not as a sequence of numbers).
struct AsBytes<'a>(&'a [u8]);

impl Serialize for AsBytes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

pub fn u32_bytes(values: impl IntoIterator<Item = u32>) -> Vec<u8> {
    values.into_iter().flat_map(u32::to_le_bytes).collect()
}

fn f32_bytes(values: impl IntoIterator<Item = f32>) -> Vec<u8> {
    values.into_iter().flat_map(f32::to_le_bytes).collect()
}

/// The numbers of [`u32_bytes`]; `None` when the length is not a multiple
/// of four.
pub fn u32s(bytes: &[u8]) -> Option<Vec<u32>> {
    bytes.len().is_multiple_of(4).then(|| {
        bytes
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    })
}

/// Reads a fixed number of byte arrays saved with [`AsBytes`], borrowed
/// from the input.
struct ByteArrays<const N: usize>(&'static str);

impl<'de, const N: usize> Visitor<'de> for ByteArrays<N> {
    type Value = [&'de [u8]; N];

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({N} byte arrays)", self.0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out: [&'de [u8]; N] = [&[]; N];
        for (i, slot) in out.iter_mut().enumerate() {
            *slot = seq
                .next_element()?
                .ok_or_else(|| de::Error::invalid_length(i, &self))?;
        }
        Ok(out)
    }
}

fn byte_arrays<'de, D: Deserializer<'de>, const N: usize>(
    d: D,
    what: &'static str,
) -> Result<[&'de [u8]; N], D::Error> {
    d.deserialize_tuple(N, ByteArrays::<N>(what))
}

impl Serialize for StrList {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let ends = u32_bytes(self.ends.iter().copied());
        let mut t = s.serialize_tuple(2)?;
        t.serialize_element(&AsBytes(self.text.as_bytes()))?;
        t.serialize_element(&AsBytes(&ends))?;
        t.end()
    }
}

impl<'de> Deserialize<'de> for StrList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let [text, ends] = byte_arrays::<D, 2>(d, "a string list")?;
        // One check for the whole buffer (vectorised), instead of one per
        // string.
        let text = simdutf8::basic::from_utf8(text)
            .map_err(|_| de::Error::custom("string list: not UTF-8"))?;
        let ends = u32s(ends).ok_or_else(|| de::Error::custom("string list: bad offsets"))?;
        let ordered = ends.windows(2).all(|w| w[0] <= w[1])
            && ends.last().is_none_or(|&e| e as usize == text.len())
            && (!ends.is_empty() || text.is_empty())
            && ends.iter().all(|&e| text.is_char_boundary(e as usize));
        if !ordered {
            return Err(de::Error::custom(
                "string list: offsets out of order or inside a character",
            ));
        }
        Ok(StrList {
            text: text.to_owned(),
            ends,
        })
    }
}

/// Writes `(u32, f32)` pairs as two byte arrays (see [`read_pairs`]).
pub fn write_pairs<S: Serializer>(
    s: S,
    pairs: impl Iterator<Item = (u32, f32)> + Clone,
    offsets: &[u32],
) -> Result<S::Ok, S::Error> {
    let a = u32_bytes(pairs.clone().map(|p| p.0));
    let b = f32_bytes(pairs.map(|p| p.1));
    let o = u32_bytes(offsets.iter().copied());
    let mut t = s.serialize_tuple(3)?;
    t.serialize_element(&AsBytes(&a))?;
    t.serialize_element(&AsBytes(&b))?;
    t.serialize_element(&AsBytes(&o))?;
    t.end()
}

/// What [`write_pairs`] wrote: the pairs (made by `make`) and the offsets.
pub fn read_pairs<'de, D: Deserializer<'de>, T>(
    d: D,
    make: impl Fn(u32, f32) -> T,
) -> Result<(Vec<T>, Vec<u32>), D::Error> {
    let [a, b, o] = byte_arrays::<D, 3>(d, "number arrays")?;
    if a.len() != b.len() || !a.len().is_multiple_of(4) {
        return Err(de::Error::custom("number arrays of different lengths"));
    }
    let pairs = a
        .chunks_exact(4)
        .zip(b.chunks_exact(4))
        .map(|(x, y)| {
            make(
                u32::from_le_bytes([x[0], x[1], x[2], x[3]]),
                f32::from_le_bytes([y[0], y[1], y[2], y[3]]),
            )
        })
        .collect();
    let offsets = u32s(o).ok_or_else(|| de::Error::custom("bad offsets"))?;
    Ok((pairs, offsets))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_string_list_should_keep_its_strings(strings in proptest::collection::vec(".{0,12}", 0..40)) {
            let list: StrList = strings.iter().collect();
            prop_assert_eq!(list.len(), strings.len());
            prop_assert!(list.iter().eq(strings.iter().map(String::as_str)));
            let bytes = postcard::to_allocvec(&list).unwrap();
            let back: StrList = postcard::from_bytes(&bytes).unwrap();
            prop_assert_eq!(back, list);
        }

        #[test]
        fn pairs_should_come_back_as_written(
            pairs in proptest::collection::vec((any::<u32>(), -1e6f32..1e6), 0..60),
            offsets in proptest::collection::vec(any::<u32>(), 0..10),
        ) {
            struct W<'a>(&'a [(u32, f32)], &'a [u32]);
            impl Serialize for W<'_> {
                fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    write_pairs(s, self.0.iter().copied(), self.1)
                }
            }
            struct R(Vec<(u32, f32)>, Vec<u32>);
            impl<'de> Deserialize<'de> for R {
                fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    read_pairs(d, |a, b| (a, b)).map(|(p, o)| R(p, o))
                }
            }
            let bytes = postcard::to_allocvec(&W(&pairs, &offsets)).unwrap();
            let back: R = postcard::from_bytes(&bytes).unwrap();
            prop_assert_eq!(back.0, pairs);
            prop_assert_eq!(back.1, offsets);
        }
    }

    #[test]
    fn a_damaged_string_list_should_be_refused() {
        let list: StrList = ["đăng", "ký", "khai sinh"].into_iter().collect();
        let good = postcard::to_allocvec(&list).unwrap();
        // Layout: varint text length, text, varint offsets length, offsets.
        let text_len = usize::from(good[0]);
        let at = |i: usize| 1 + i;
        // Invalid UTF-8 in the text.
        let mut bad = good.clone();
        bad[at(1)] = 0xFF;
        assert!(postcard::from_bytes::<StrList>(&bad).is_err());
        // An offset inside "đ" (two bytes).
        let mut bad = good.clone();
        let first_end = 1 + text_len + 1;
        bad[first_end..first_end + 4].copy_from_slice(&1u32.to_le_bytes());
        assert!(postcard::from_bytes::<StrList>(&bad).is_err());
        // Offsets past the text.
        let mut bad = good.clone();
        let last_end = bad.len() - 4;
        bad[last_end..].copy_from_slice(&1000u32.to_le_bytes());
        assert!(postcard::from_bytes::<StrList>(&bad).is_err());
        // A truncated offset array.
        let mut bad = good[..good.len() - 1].to_vec();
        bad[1 + text_len] -= 1;
        assert!(postcard::from_bytes::<StrList>(&bad).is_err());
        assert_eq!(postcard::from_bytes::<StrList>(&good).unwrap(), list);
    }
}
