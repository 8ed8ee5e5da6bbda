//! The ccm connection: an I/O thread that blocks on ccm's socket for views and re-subscribes
//! when ccm is respawned (ccm sends the current view to every new subscriber).

use std::path::PathBuf;
use std::time::Duration;

use ccm::api::CcmClient;
use tokio::sync::mpsc::UnboundedSender;

use crate::core::{Input, Neighbour};

/// Starts the ccm thread.
pub fn spawn(socket: PathBuf, inputs: UnboundedSender<Input>) {
    let _ = std::thread::Builder::new()
        .name("ccm".into())
        .spawn(move || run(socket, inputs));
}

fn run(socket: PathBuf, inputs: UnboundedSender<Input>) {
    let mut connected_once = false;
    let mut pause = Duration::from_millis(100);
    loop {
        match CcmClient::subscribe(&socket) {
            Ok(mut client) => {
                pause = Duration::from_millis(100);
                if connected_once && inputs.send(Input::NeighbourBack(Neighbour::Ccm)).is_err() {
                    return;
                }
                connected_once = true;
                loop {
                    match client.next_view(None) {
                        Ok(Some(view)) => {
                            if inputs.send(Input::View(view)).is_err() {
                                return;
                            }
                        }
                        Ok(None) => {}
                        Err(e) => {
                            tracing::warn!("ccm connection lost: {e}");
                            if inputs.send(Input::NeighbourLost(Neighbour::Ccm)).is_err() {
                                return;
                            }
                            break;
                        }
                    }
                }
            }
            Err(e) => {
                tracing::debug!("ccm not reachable yet: {e}");
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_secs(2));
            }
        }
    }
}
