//! Leaf utilities: byte strings, hashing, the incremental dict, glob matching, numbers, buffers.

pub mod alloc;
pub mod cbytes;
pub mod dict;
pub mod glob;
pub mod hash;
pub mod listpack;
pub mod lzf;
pub mod num;
pub mod rawbuf;
pub mod sha1;
