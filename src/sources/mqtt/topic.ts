/** A shared subscription (`$share/group/filter`) delivers topics that match the filter part. */
function filterPart(filter: string): string {
  return filter.startsWith('$share/') ? filter.split('/').slice(2).join('/') : filter;
}

/** MQTT topic filter matching: `+` is one level, a trailing `#` is any number of levels (even none). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filterPart(filter).split('/');
  const t = topic.split('/');
  // Wildcards at the first level do not match topics starting with '$' (MQTT 3.1.1 §4.7.2).
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return i === f.length - 1;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
