//! Device clients: HTTP with retries and redaction, and the IOS XE and F5 XC APIs.

pub mod ios_xe;
