//! The order in which Pacemaker 2.1.5 lists a string-keyed table (node capacities, resource
//! utilization): GLib 2.74's `GHashTable` walked bucket by bucket, with Pacemaker's key hash
//! (`pcmk__str_hash`). crm_simulate -U prints these tables in that order, so matching its
//! output means placing the keys as GLib does.

/// Buckets of a table with `1 << shift` slots and GLib's prime modulus for that shift.
const PRIME_MOD: [u32; 12] = [1, 2, 3, 7, 13, 31, 61, 127, 251, 509, 1021, 2039];
const MIN_SHIFT: u32 = 3;

/// `pcmk__str_hash`: h = h * 31 + c over the bytes (as signed chars), from 0.
fn str_hash(key: &str) -> u32 {
    key.bytes().fold(0u32, |h, c| {
        h.wrapping_mul(31).wrapping_add(c as i8 as i32 as u32)
    })
}

/// A string-keyed table that remembers GLib's bucket of every key.
#[derive(Debug, Clone, Default)]
pub struct GTable {
    shift: u32,
    slots: Vec<Option<(String, String)>>,
    len: usize,
}

impl GTable {
    /// An empty table (8 buckets, as `g_hash_table_new_full` makes).
    pub fn new() -> GTable {
        GTable {
            shift: MIN_SHIFT,
            slots: vec![None; 1 << MIN_SHIFT],
            len: 0,
        }
    }

    /// A table filled in the given order.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, String)>) -> GTable {
        let mut t = GTable::new();
        for (k, v) in pairs {
            t.replace(k, v);
        }
        t
    }

    fn slot_of(&self, key: &str) -> usize {
        let mut hash = str_hash(key);
        if hash <= 1 {
            hash = 2;
        }
        let size = self.slots.len();
        let mask = size - 1;
        let mut i = (hash.wrapping_mul(11) % PRIME_MOD[self.shift as usize]) as usize;
        let mut step = 0;
        while let Some((k, _)) = &self.slots[i] {
            if k == key {
                break;
            }
            step += 1;
            i = (i + step) & mask;
        }
        i
    }

    /// `g_hash_table_replace`: a key keeps its bucket, a new key takes the next free one.
    pub fn replace(&mut self, key: &str, value: String) {
        let i = self.slot_of(key);
        if self.slots[i].is_none() {
            self.len += 1;
        }
        self.slots[i] = Some((key.to_string(), value));
        let size = self.slots.len();
        if size <= self.len + self.len / 16 {
            self.grow();
        }
    }

    /// GLib grows to hold `len * 1.333` (re-placing keys in bucket order; tables this
    /// large are rare for utilization and the order is then best effort).
    fn grow(&mut self) {
        let want = (self.len as f64 * 1.333) as usize;
        let shift = (usize::BITS - want.leading_zeros()).max(MIN_SHIFT);
        let old = std::mem::take(&mut self.slots);
        self.shift = shift.min(PRIME_MOD.len() as u32 - 1);
        self.slots = vec![None; 1 << self.shift];
        self.len = 0;
        for (k, v) in old.into_iter().flatten() {
            self.replace(&k, v);
        }
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.slots[self.slot_of(key)]
            .as_ref()
            .map(|(_, v)| v.as_str())
    }

    /// Entries in GLib's iteration order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.slots
            .iter()
            .flatten()
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// ` k=v` for every entry, as Pacemaker appends them to a capacity line.
    pub fn dump(&self) -> String {
        self.iter().map(|(k, v)| format!(" {k}={v}")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(t: &GTable) -> Vec<&str> {
        t.iter().map(|(k, _)| k).collect()
    }

    /// Orders Pacemaker 2.1.5 printed for these tables (scheduler corpus `load-stopped-loop`,
    /// `bug-cl-5247`, `utilization`).
    #[test]
    fn matches_orders_pacemaker_printed() {
        let t = GTable::from_pairs(
            [
                "cpu-decipct",
                "ram-hugepages-mb",
                "vds-ok-pool-0-usage",
                "vds-ok-pool-1-usage",
            ]
            .map(|k| (k, "1".to_string())),
        );
        assert_eq!(
            keys(&t),
            [
                "vds-ok-pool-1-usage",
                "cpu-decipct",
                "vds-ok-pool-0-usage",
                "ram-hugepages-mb"
            ]
        );
        let t = GTable::from_pairs(["hv_memory", "cpu"].map(|k| (k, "1".to_string())));
        assert_eq!(keys(&t), ["cpu", "hv_memory"]);
        let t = GTable::from_pairs(["memory", "cpu"].map(|k| (k, "1".to_string())));
        assert_eq!(keys(&t), ["cpu", "memory"]);
    }

    #[test]
    fn replace_keeps_the_bucket_and_grows_past_seven_keys() {
        let mut t = GTable::from_pairs([("cpu", "2".to_string()), ("memory", "9".to_string())]);
        t.replace("cpu", "1".into());
        assert_eq!(t.dump(), " cpu=1 memory=9");
        for i in 0..20 {
            t.replace(&format!("k{i}"), i.to_string());
        }
        assert_eq!(t.iter().count(), 22);
        assert_eq!(t.get("k7"), Some("7"));
        assert_eq!(t.get("cpu"), Some("1"));
    }
}
