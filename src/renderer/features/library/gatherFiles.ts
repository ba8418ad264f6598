// Turns a drop (files and whole folders) into a flat list of files; hidden files such as .DS_Store are skipped.

const isHidden = (name: string) => name.startsWith('.');

function readAllEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  // readEntries returns at most ~100 entries per call: keep reading until it returns none.
  return new Promise((resolve, reject) => {
    const all: FileSystemEntry[] = [];
    const next = () =>
      reader.readEntries((entries) => {
        if (!entries.length) return resolve(all);
        all.push(...entries);
        next();
      }, reject);
    next();
  });
}

async function filesOf(entry: FileSystemEntry): Promise<File[]> {
  if (isHidden(entry.name)) return [];
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    return [file];
  }
  if (entry.isDirectory) {
    const children = await readAllEntries((entry as FileSystemDirectoryEntry).createReader());
    return (await Promise.all(children.map(filesOf))).flat();
  }
  return [];
}

export async function filesFromDrop(data: DataTransfer): Promise<File[]> {
  // Entries must be taken synchronously, before the drop event's data store is closed.
  const entries = [...data.items].filter((item) => item.kind === 'file').map((item) => item.webkitGetAsEntry?.() ?? null);
  if (entries.length && entries.every((entry) => entry !== null)) return (await Promise.all(entries.map((entry) => filesOf(entry!)))).flat();
  return [...data.files].filter((file) => !isHidden(file.name));
}

export const filesFromInput = (list: FileList | null) => [...(list ?? [])].filter((file) => !file.webkitRelativePath.split('/').some(isHidden) && !isHidden(file.name));
