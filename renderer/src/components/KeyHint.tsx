/** A key or a key sequence ("g r", "Shift+Enter") as keyboard keys. */
export function KeyHint({ keys }: { keys: string }) {
  return (
    <>
      {keys.split(' ').map((k) => (
        <kbd key={k} className="mr-1">
          {k}
        </kbd>
      ))}
    </>
  );
}
