//! Fuzz target: RESTORE payloads and RDB files. Arbitrary bytes go through the DUMP payload
//! check and decoder (with and without the checksum) and through the whole-file loader; none
//! of it may panic, hang or allocate without bound. A decoded value must DUMP again to a
//! payload that decodes to an equal value.
//!
//! Run: cargo +nightly fuzz run restore   (from the fuzz directory)

#![no_main]

use carmine::config::Config;
use carmine::db::Databases;
use carmine::persist::rdb::load::{self, Limits, LoadOptions};
use carmine::persist::rdb::write;
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
    }
    let mut file = b"REDIS0010".to_vec();
    file.extend_from_slice(data);
    let mut opts = LoadOptions::from_config(&config, 0);
    opts.verify_checksum = false;
    let _ = load::load_dataset(file.as_slice(), &mut Databases::new(16), &opts);
});
