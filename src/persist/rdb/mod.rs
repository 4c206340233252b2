//! The RDB file format (version 10, as Redis 7.0 writes it): constants, the writer
//! ([`write`]), the loader ([`load`]) and the older encodings only the loader needs
//! ([`legacy`]: ziplist, zipmap).
//!
//! File layout: `REDIS0010`, AUX fields (name/value string pairs), then per non-empty database
//! SELECTDB + RESIZEDB and its keys (optional EXPIRETIME_MS, IDLE or FREQ opcodes before each
//! key, then the value's type byte, the key string and the value), then EOF and the CRC64
//! (Jones polynomial, the `crc64` crate, little-endian; 0 when `rdbchecksum no`) of every byte
//! before it. A DUMP payload is one type byte + value, the 2-byte RDB version and the CRC64.
//!
//! Lengths: `00xxxxxx` (6 bits), `01xxxxxx xxxxxxxx` (14 bits, big-endian), `0x80` + u32 BE,
//! `0x81` + u64 BE; `11xxxxxx` marks a specially encoded string: 0/1/2 = an 8/16/32-bit
//! little-endian integer, 3 = LZF (compressed length, original length, bytes).
//!
//! Type codes and opcodes are Redis's and never change meaning. Streams are written as Redis
//! 7.0 writes them, `TYPE_STREAM_LISTPACKS_2` (19: type 21 is Redis 7.2's, RDB version 11,
//! which 7.0 refuses); types 15, 19 and 21 are loaded. Function libraries are written as
//! `OPCODE_FUNCTION2` records (the library code) after the AUX fields, before the keys.

pub mod legacy;
pub mod load;
pub mod write;

#[cfg(test)]
mod tests;

/// The RDB version written.
pub const RDB_VERSION: u16 = 10;

/// Plain string.
pub const TYPE_STRING: u8 = 0;
/// Linked list (RDB < 7).
pub const TYPE_LIST: u8 = 1;
/// Set as a member list.
pub const TYPE_SET: u8 = 2;
/// Sorted set with string scores.
pub const TYPE_ZSET: u8 = 3;
/// Hash as field/value pairs.
pub const TYPE_HASH: u8 = 4;
/// Sorted set with binary scores.
pub const TYPE_ZSET_2: u8 = 5;
/// Module value (not supported).
pub const TYPE_MODULE: u8 = 6;
/// Module value, v2 (not supported).
pub const TYPE_MODULE_2: u8 = 7;
/// Hash as a zipmap (Redis < 2.6).
pub const TYPE_HASH_ZIPMAP: u8 = 9;
/// List as one ziplist (Redis < 3.2).
pub const TYPE_LIST_ZIPLIST: u8 = 10;
/// Set as an intset.
pub const TYPE_SET_INTSET: u8 = 11;
/// Sorted set as a ziplist (Redis < 7).
pub const TYPE_ZSET_ZIPLIST: u8 = 12;
/// Hash as a ziplist (Redis < 7).
pub const TYPE_HASH_ZIPLIST: u8 = 13;
/// Quicklist of ziplists (Redis 3.2 - 6.2).
pub const TYPE_LIST_QUICKLIST: u8 = 14;
/// Stream (Redis 5 - 6.2).
pub const TYPE_STREAM_LISTPACKS: u8 = 15;
/// Hash as a listpack.
pub const TYPE_HASH_LISTPACK: u8 = 16;
/// Sorted set as a listpack.
pub const TYPE_ZSET_LISTPACK: u8 = 17;
/// Quicklist of listpack or plain nodes (Redis 7).
pub const TYPE_LIST_QUICKLIST_2: u8 = 18;
/// Stream (Redis 7.0: adds first ID, max deleted ID, entries added and entries read).
pub const TYPE_STREAM_LISTPACKS_2: u8 = 19;
/// Stream (Redis 7.2: adds each consumer's active time). Loaded, never written.
pub const TYPE_STREAM_LISTPACKS_3: u8 = 21;

/// A function library (Redis 7.0).
pub const OPCODE_FUNCTION2: u8 = 245;
/// A function library (7.0 release candidates).
pub const OPCODE_FUNCTION_PRE_GA: u8 = 246;
/// Module auxiliary data.
pub const OPCODE_MODULE_AUX: u8 = 247;
/// LRU idle seconds of the next key.
pub const OPCODE_IDLE: u8 = 248;
/// LFU counter of the next key.
pub const OPCODE_FREQ: u8 = 249;
/// An auxiliary field.
pub const OPCODE_AUX: u8 = 250;
/// Hash table sizes of the selected database.
pub const OPCODE_RESIZEDB: u8 = 251;
/// Expiry time of the next key in ms.
pub const OPCODE_EXPIRETIME_MS: u8 = 252;
/// Expiry time of the next key in seconds (old).
pub const OPCODE_EXPIRETIME: u8 = 253;
/// Database selector.
pub const OPCODE_SELECTDB: u8 = 254;
/// End of the file.
pub const OPCODE_EOF: u8 = 255;

/// Quicklist node container: one plain element.
pub const QUICKLIST_NODE_PLAIN: u64 = 1;
/// Quicklist node container: a listpack.
pub const QUICKLIST_NODE_PACKED: u64 = 2;

/// Special string encodings (after the `11` length prefix).
pub const ENC_INT8: u8 = 0;
/// 16-bit integer.
pub const ENC_INT16: u8 = 1;
/// 32-bit integer.
pub const ENC_INT32: u8 = 2;
/// LZF-compressed string.
pub const ENC_LZF: u8 = 3;

/// The CRC64 Redis uses (Jones polynomial, reflected, initial value 0).
pub fn crc64(crc: u64, data: &[u8]) -> u64 {
    crc64::crc64(crc, data)
}

#[cfg(test)]
mod crc_tests {
    #[test]
    fn crc64_is_redis_jones() {
        // Redis's crc64 self-test vector (src/crc64.c).
        assert_eq!(super::crc64(0, b"123456789"), 0xe9c6_d914_c4b8_d9ca);
        assert_eq!(
            super::crc64(super::crc64(0, b"1234"), b"56789"),
            0xe9c6_d914_c4b8_d9ca
        );
    }
}
