//! `hb_standby` / `hb_takeover` on a node whose haresources site runs with Heartbeat v1's
//! resource manager (`HA_RESOURCE_MANAGER=v1`, next to a Heartbeat 3.0.6 node): no CRM to ask,
//! so they send what Heartbeat's own scripts send, through the local heartbeat, and the two
//! resource managers move the groups ([`messaging::v1rsc`]).

use messaging::client::Client;
use messaging::v1rsc::{self, Held};

use crate::exit::ExitCode;
use crate::hb_standby::{Mode, Which};

/// Sends the request; `word` is the argument as given (`failback` included).
pub fn run(mode: Mode, which: Which, word: Option<&str>) -> ExitCode {
    let name = match mode {
        Mode::Standby => "hb_standby",
        Mode::Takeover => "hb_takeover",
    };
    let set = match which {
        Which::All => Held::ALL,
        Which::Local => Held::LOCAL,
        Which::Foreign => Held::FOREIGN,
    };
    let mut m = match mode {
        Mode::Standby => {
            println!("Going standby [{set}].");
            v1rsc::standby_request(set)
        }
        Mode::Takeover => v1rsc::takeover_request(word.unwrap_or("all")),
    };
    let sent = Client::connect_default(name).and_then(|mut c| {
        m.set("src", c.local_node().to_string());
        c.send_to_all(&m)
    });
    match sent {
        Ok(()) => ExitCode::Ok,
        Err(e) => {
            eprintln!("{name}: cannot reach heartbeat: {e}");
            ExitCode::Unavailable
        }
    }
}
