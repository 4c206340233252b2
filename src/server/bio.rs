//! The background thread for frees (Redis's bio lazyfree job): big values and flushed databases
//! are dropped here so the loop never stalls on a 10-million-element free.

use std::sync::mpsc::{Sender, channel};
use std::thread;

use crate::db::Garbage;

/// Handle to the background free thread.
pub struct Bio {
    tx: Option<Sender<Vec<Garbage>>>,
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
        Bio {
            tx: spawned.ok().map(|_| tx),
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
