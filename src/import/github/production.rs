//! Which stages are production: the rule is shared with Azure's import, in
//! [`crate::import::production`].

pub(super) use crate::import::production::prefer_named;
