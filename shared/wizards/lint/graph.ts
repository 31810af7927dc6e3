/** Tarjan's strongly connected components, iteratively (wizards are small, but recursion depth should not depend on authors). */
export function stronglyConnected(count: number, successors: (index: number) => number[]): number[][] {
  const indexOf = new Array<number>(count).fill(-1);
  const lowLink = new Array<number>(count).fill(0);
  const onStack = new Array<boolean>(count).fill(false);
  const stack: number[] = [];
  const components: number[][] = [];
  let counter = 0;
  for (let start = 0; start < count; start += 1) {
    if (indexOf[start] !== -1) continue;
    const work: { node: number; next: number; edges: number[] }[] = [{ node: start, next: 0, edges: successors(start) }];
    indexOf[start] = lowLink[start] = counter++;
    stack.push(start);
    onStack[start] = true;
    while (work.length > 0) {
      const frame = work[work.length - 1];
      if (!frame) break;
      if (frame.next < frame.edges.length) {
        const successor = frame.edges[frame.next++] ?? 0;
        if (indexOf[successor] === -1) {
          indexOf[successor] = lowLink[successor] = counter++;
          stack.push(successor);
          onStack[successor] = true;
          work.push({ node: successor, next: 0, edges: successors(successor) });
        } else if (onStack[successor]) {
          lowLink[frame.node] = Math.min(lowLink[frame.node] ?? 0, indexOf[successor] ?? 0);
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) lowLink[parent.node] = Math.min(lowLink[parent.node] ?? 0, lowLink[frame.node] ?? 0);
      if (lowLink[frame.node] === indexOf[frame.node]) {
        const component: number[] = [];
        let member: number | undefined;
        do {
          member = stack.pop();
          if (member === undefined) break;
          onStack[member] = false;
          component.push(member);
        } while (member !== frame.node);
        components.push(component);
      }
    }
  }
  return components;
}
