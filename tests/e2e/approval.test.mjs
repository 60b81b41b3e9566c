// The approval path in the browser, on each backend: a citizen applies for 食品经营许可 with
// files through the apply page; the window clerk asks for corrections once; the citizen sends
// them; the clerk accepts; 承办 → 审核 → 审批 sign and complete their steps; the approver grants;
// the clerk concludes; the citizen downloads the sealed certificate and the verification page
// says it is valid — and that a changed copy is not. One node serves both zones; the steps are
// in approval_steps.mjs (approval_split.test.mjs runs them across two nodes).
import { describe, it, before, after } from 'node:test';
import { rmSync } from 'node:fs';
import { startNode, backends } from '../lib/server.mjs';
import { launch } from './helpers.mjs';
import { approvalPath, materialsDir } from './approval_steps.mjs';

for (const backend of backends()) {
  describe(`approval path in the browser on ${backend}`, () => {
    let node, browser, dir;
    before(async () => {
      node = await startNode({ backend });
      browser = await launch();
      dir = materialsDir();
    });
    after(async () => {
      await browser?.close();
      await node?.cleanup();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('apply → 补正 → accept → steps → grant → conclude → download and verify the certificate', async () => {
      const citizen = node.accounts.find((a) => a.zone === 'external' && a.unit === '个人');
      await approvalPath({
        browser, external: node.external, internal: node.internal, dir,
        citizen: { login: citizen.login, password: citizen.password },
        staffPassword: (login) => node.account(login).password,
      });
    });
  });
}
