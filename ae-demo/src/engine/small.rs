//! Byte strings held in place when short. Most keys and values are a few
//! bytes (`key:000000001234`, `xxx`): a `Vec<u8>` for each would cost a
//! heap block of its own (32 bytes from the allocator for a 3-byte value)
//! beside its 24-byte header. Redis saves the same by allocating a short
//! string with its object (`embstr`).

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

/// Up to `N` bytes (`N` < 256), in place.
#[derive(Clone, Copy)]
pub struct InlineBytes<const N: usize> {
    len: u8,
    bytes: [u8; N],
}

impl<const N: usize> InlineBytes<N> {
    /// A copy of `bytes`, if they fit.
    pub fn new(bytes: &[u8]) -> Option<Self> {
        let mut inline = InlineBytes {
            len: u8::try_from(bytes.len()).ok()?,
            bytes: [0; N],
        };
        inline.bytes.get_mut(..bytes.len())?.copy_from_slice(bytes);
        Some(inline)
    }
}

impl<const N: usize> Deref for InlineBytes<N> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }
}

/// A byte string that does not change once stored (a key; a list element,
/// a set member, a hash field or value): in place up to 22 bytes, so that
/// with its length it takes the 24 bytes a `Vec<u8>` header would.
#[derive(Clone)]
pub enum CompactBytes {
    /// At most 22 bytes.
    Inline(InlineBytes<22>),
    /// Longer.
    Heap(Box<[u8]>),
}

impl Default for CompactBytes {
    fn default() -> Self {
        CompactBytes::from(&[][..])
    }
}

impl From<&[u8]> for CompactBytes {
    fn from(bytes: &[u8]) -> Self {
        match InlineBytes::new(bytes) {
            Some(inline) => CompactBytes::Inline(inline),
            None => CompactBytes::Heap(bytes.into()),
        }
    }
}

/// Takes a long string's buffer over (trimmed to its length), copies a
/// short one into place.
impl From<Vec<u8>> for CompactBytes {
    fn from(bytes: Vec<u8>) -> Self {
        match InlineBytes::new(&bytes) {
            Some(inline) => CompactBytes::Inline(inline),
            None => CompactBytes::Heap(bytes.into_boxed_slice()),
        }
    }
}

impl Deref for CompactBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            CompactBytes::Inline(inline) => inline,
            CompactBytes::Heap(heap) => heap,
        }
    }
}

/// Lookups take `&[u8]`: the hash and equality must be the slice's.
impl Borrow<[u8]> for CompactBytes {
    fn borrow(&self) -> &[u8] {
        self
    }
}

impl Hash for CompactBytes {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (**self).hash(state)
    }
}

impl PartialEq for CompactBytes {
    fn eq(&self, other: &CompactBytes) -> bool {
        **self == **other
    }
}

impl Eq for CompactBytes {}

impl PartialOrd for CompactBytes {
    fn partial_cmp(&self, other: &CompactBytes) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for CompactBytes {
    fn cmp(&self, other: &CompactBytes) -> std::cmp::Ordering {
        (**self).cmp(&**other)
    }
}

impl PartialEq<[u8]> for CompactBytes {
    fn eq(&self, other: &[u8]) -> bool {
        **self == *other
    }
}

impl PartialEq<Vec<u8>> for CompactBytes {
    fn eq(&self, other: &Vec<u8>) -> bool {
        **self == other[..]
    }
}

/// Both read as the text they hold.
fn debug_bytes(bytes: &[u8], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    write!(f, "{:?}", String::from_utf8_lossy(bytes))
}

impl<const N: usize> fmt::Debug for InlineBytes<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_bytes(self, f)
    }
}

impl fmt::Debug for CompactBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_bytes(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn keys_in_place_up_to_22_bytes_and_hash_as_their_bytes() {
        assert_eq!(std::mem::size_of::<CompactBytes>(), 24);
        // A value's 15 bytes in place cost no room in an entry.
        assert_eq!(std::mem::size_of::<crate::engine::db::Value>(), 24);
        assert_eq!(std::mem::size_of::<crate::engine::db::Entry>(), 40);
        let hasher = std::collections::hash_map::RandomState::new();
        for len in [0, 1, 21, 22, 23, 300] {
            let bytes: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let key = CompactBytes::from(&bytes[..]);
            assert_eq!(matches!(key, CompactBytes::Inline(_)), len <= 22, "{len}");
            assert_eq!(&*key, &bytes[..]);
            assert_eq!(hasher.hash_one(&key), hasher.hash_one(&bytes[..]));
            assert_eq!(key, CompactBytes::from(bytes.clone()));
        }
        assert!(InlineBytes::<15>::new(&[7; 16]).is_none());
        assert_eq!(&*InlineBytes::<15>::new(b"xxx").unwrap(), b"xxx");
    }
}
