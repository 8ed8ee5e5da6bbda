//! The local resource manager (lrmd): runs OCF, LSB, heartbeat, systemd and stonith class agents.
