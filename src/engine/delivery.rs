//! Delivery: a release running in every production stage delivers its commits,
//! whose lead time is measured and attributed.

use super::TraceKind;
use super::{Phase, ReleaseId, State};
use crate::time::SimTime;

impl State<'_> {
    /// `rel` passed a production stage. Once every production stage runs it
    /// (each region, ring or tenant), it is one production deploy.
    pub(super) fn production_passed(&mut self, rel: ReleaseId) {
        let everywhere = self
            .m
            .production
            .iter()
            .all(|&p| self.visit(rel, p).phase == Phase::Passed);
        if self.now >= self.warm && everywhere {
            self.production_deploys += 1;
        }
        self.deliver(rel);
    }

    /// Delivers the commits that every production stage now runs (`rel` just
    /// moved a frontier) and attributes each one's lead time.
    pub(super) fn deliver(&mut self, rel: ReleaseId) {
        let upto = if self.n_stages == 0 {
            self.build_front_upto
        } else {
            self.m
                .production
                .iter()
                .map(|&p| self.stages[p].front_upto)
                .min()
                .unwrap_or(0)
        };
        let now = self.now;
        let mut n = 0u64;
        // The frontiers moved since the last delivery.
        self.forget_hops();
        while self.delivered < upto {
            let Some(t) = self.pending.pop_front() else {
                break;
            };
            let c = self.delivered;
            self.delivered += 1;
            let own = if t >= self.warm {
                n += 1;
                self.lead.push(now - t);
                self.attribute(c, t)
            } else {
                None
            };
            if self.opts.commit_records {
                let rec = &mut self.commit_records[c as usize];
                rec.delivered = Some(SimTime(now));
                rec.release = Some(rel.0);
                rec.breakdown = own;
            }
        }
        self.spend_timelines(self.delivered);
        if n > 0 {
            self.delivered_counted += n;
            self.log(TraceKind::Delivered, Some(rel), None, Some(n as f64));
        }
    }
}
