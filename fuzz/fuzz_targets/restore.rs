//! Fuzz target: RESTORE payloads and RDB files. Arbitrary bytes go through the DUMP payload
//! check and decoder (with and without the checksum) and through the whole-file loader; none
//! of it may panic, hang or allocate without bound. A decoded value must DUMP again to a
//! payload that decodes to an equal value (streams: equal in every field, groups included).
//! A stream payload (type 19, or 15 / 21) is a good seed: `DUMP` one from redis-server.
//!
//! Run: cargo +nightly fuzz run restore   (from the fuzz directory)

#![no_main]

use carmine::config::Config;
use carmine::db::Databases;
use carmine::persist::rdb::load::{self, Limits, LoadOptions};
use carmine::persist::rdb::write;
use carmine::types::value::Value;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let config = Config::default();
    let limits = Limits::from_config(&config);
    let _ = load::verify_payload(data, false);
    if let Ok(v) = load::payload_value(data, &limits) {
        let again = write::dump_payload(&v, true);
        assert!(load::verify_payload(&again, false).is_ok());
        let back = load::payload_value(&again, &limits).expect("a DUMP payload decodes");
        assert_eq!(back.len(), v.len());
        if matches!(v, Value::Stream(_)) {
            assert!(back == v, "a stream survives DUMP and RESTORE unchanged");
        }
    }
    let mut file = b"REDIS0010".to_vec();
    file.extend_from_slice(data);
    let mut opts = LoadOptions::from_config(&config, 0);
    opts.verify_checksum = false;
    let _ = load::load_dataset(file.as_slice(), &mut Databases::new(16), &opts);
});
