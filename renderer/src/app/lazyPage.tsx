import { lazy, useState, type ComponentType, type JSX } from 'react';

/** A page loaded on first use, with a `preload()` that fetches it ahead (hover, tests). */
export type LazyPage<Props extends object> = ((props: Props) => JSX.Element) & {
  preload: () => Promise<void>;
  displayName: string;
};

/**
 * React.lazy with a memory (#15, item 16): each page is its own chunk, fetched the
 * first time it is shown. Once it has loaded, a page that mounts again renders it
 * directly instead of suspending for a module that is already here. Which of the
 * two a page instance uses is fixed when it mounts, so a page never remounts (and
 * loses its state) because its chunk arrived.
 */
export function lazyPage<Module, Props extends object>(
  name: string,
  load: () => Promise<Module>,
  pick: (module: Module) => ComponentType<Props>,
): LazyPage<Props> {
  let loaded: ComponentType<Props> | null = null;
  let pending: Promise<ComponentType<Props>> | null = null;
  const fetch = (): Promise<ComponentType<Props>> => {
    pending ??= load().then(
      (module) => (loaded = pick(module)),
      (error: unknown) => {
        // A failed fetch (a file missing after an update) is tried again next time.
        pending = null;
        throw error;
      },
    );
    return pending;
  };
  const Suspending = lazy(() => fetch().then((component) => ({ default: component })));
  const Page = (props: Props) => {
    const [Component] = useState<ComponentType<Props>>(() => loaded ?? Suspending);
    return <Component {...props} />;
  };
  Page.displayName = name;
  Page.preload = () => fetch().then(() => undefined);
  return Page;
}
