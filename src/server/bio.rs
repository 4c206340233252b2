//! The background threads (Redis's bio): one drops big values and flushed databases so the loop
//! never stalls on a 10-million-element free; one fsyncs the AOF for appendfsync everysec.

use std::sync::mpsc::{Sender, channel};
use std::thread;

use crate::db::Garbage;

/// Handle to the background threads.
pub struct Bio {
    tx: Option<Sender<Vec<Garbage>>>,
    fsync_tx: Option<Sender<std::fs::File>>,
}

impl Bio {
    /// Starts the thread.
    pub fn start() -> Bio {
        let (tx, rx) = channel::<Vec<Garbage>>();
        let spawned = thread::Builder::new()
            .name("bio_lazy_free".into())
            .spawn(move || {
                while let Ok(batch) = rx.recv() {
                    drop(batch);
                }
            });
        let (ftx, frx) = channel::<std::fs::File>();
        let fsync = thread::Builder::new()
            .name("bio_aof".into())
            .spawn(move || {
                while let Ok(f) = frx.recv() {
                    if let Err(e) = f.sync_data() {
                        tracing::warn!("Fsync of the AOF failed: {e}");
                    }
                }
            });
        Bio {
            tx: spawned.ok().map(|_| tx),
            fsync_tx: fsync.ok().map(|_| ftx),
        }
    }

    /// Fsyncs a file on the background thread (on this one if the thread could not start).
    pub fn fsync(&self, file: std::fs::File) {
        match &self.fsync_tx {
            Some(tx) => {
                if let Err(e) = tx.send(file) {
                    let _ = e.0.sync_data();
                }
            }
            None => {
                let _ = file.sync_data();
            }
        }
    }

    /// Hands a batch to the thread (or drops it here if the thread could not start).
    pub fn free(&self, batch: Vec<Garbage>) {
        if let Some(tx) = &self.tx
            && let Err(e) = tx.send(batch)
        {
            drop(e.0);
        }
    }
}
