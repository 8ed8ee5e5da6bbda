//! The heartbeat messaging layer: media, authkeys signing, liveness, respawn, local client API.
