/** The replacement every Python direct write is pointed to: unique temp in the same directory, fsync, replace, fsync the directory. */
export const PY_ATOMIC_WRITE = `import os, tempfile

def atomic_write(path, data):
    """Replace path with data (str or bytes): after a crash it holds the old or the new content, never a torn file."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
`;

/** What happens on the next start when the file is torn, from what reads it. */
export function writeConsequence(name: string, readers: Array<{ at: string; resets: boolean }>): string {
  const torn = `A crash or power cut mid-write leaves ${name} empty or half-written`;
  if (readers.length === 0) {
    return `${torn}; no reader of it was found in the audited files, so whatever loads it on start gets a parse error (JSONDecodeError: Expecting value) or, if it swallows that, silently empty state.`;
  }
  const resetting = readers.find((r) => r.resets);
  if (resetting) {
    return `${torn}; it is read on start at ${resetting.at}, which swallows the parse error and carries on with empty state: history is silently lost (every signal looks new, alerts re-fire, closed positions re-open).`;
  }
  return `${torn}; it is read on start at ${readers.map((r) => r.at).join(", ")}, where the parse error (JSONDecodeError: Expecting value) stops the program until someone repairs the file by hand.`;
}

export function writeSuggestion(targetText: string, dataText: string | undefined, how: string): string {
  if (how === "torch.save") {
    return `Save to a unique temp next to ${targetText}, fsync it, then os.replace() it over the target:
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(${targetText})))
    with os.fdopen(fd, "wb") as f:
        torch.save(obj, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, ${targetText})`;
  }
  const call = `atomic_write(${targetText}, ${dataText ?? "data"})`;
  return `Replace the write with:\n    ${call}\nusing this helper (once, e.g. in utils.py):\n${PY_ATOMIC_WRITE}`;
}

export function resetConsequence(name: string, writers: string[]): string {
  const writtenBy = writers.length > 0 ? ` (written at ${writers.join(", ")})` : "";
  return `If ${name}${writtenBy} is torn by a crash, this reader starts from empty or default state without stopping anyone: history is lost (every signal looks new, alerts re-fire), and the next save overwrites the evidence.`;
}

/** The reader rewritten so that only a missing file means "no state yet". */
export function resetSuggestion(pathText: string | undefined): string {
  const path = pathText ?? "path";
  return `Only a missing file may mean "no state yet"; let a corrupt one stop the program or restore the last good copy:
    try:
        with open(${path}) as f:
            state = json.load(f)
    except FileNotFoundError:
        state = {}  # first run only
    # json.JSONDecodeError propagates: restore from a backup (e.g. str(${path}) + ".bak") or stop, never start empty`;
}

export function replaceConsequence(rule: "non-durable-replace" | "shared-temp-name", target: string, temp: string, reason: string): string {
  if (rule === "shared-temp-name") {
    return `Two writers (threads, processes, a restarted process overlapping the old one) both write ${temp} and rename each other's half-written file over ${target}.`;
  }
  if (reason.includes("outside")) {
    return `os.replace() across filesystems fails with EXDEV, and a temp in /tmp is lost on reboot; a move degrades to a copy that truncates ${target}.`;
  }
  return `Survives a process crash but not a power cut: the rename can reach the disk before the data, leaving ${target} empty or torn (ext4 delalloc, xfs, btrfs).`;
}

export function replaceSuggestion(rule: "non-durable-replace" | "shared-temp-name", target: string, temp: string): string {
  if (rule === "shared-temp-name") {
    return `Use a unique temp next to the target: fd, ${temp} = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(${target})), prefix=os.path.basename(${target}) + ".") — or call atomic_write(${target}, data):\n${PY_ATOMIC_WRITE}`;
  }
  return `Create the temp in the target's directory and flush it to disk before the rename: f.flush(); os.fsync(f.fileno()); then os.replace(${temp}, ${target}) and fsync the directory — or call atomic_write(${target}, data):\n${PY_ATOMIC_WRITE}`;
}
