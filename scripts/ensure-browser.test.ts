import { describe, expect, it } from 'vitest';
import { ensureBrowser, ensureVulkanLoader, type Probes } from './ensure-browser';

/** A machine: which browsers exist now, and what installing does. */
function machine(o: { system?: boolean; playwright?: boolean; online?: boolean; root?: boolean; apt?: boolean }) {
  const files = new Set<string>();
  if (o.system) files.add('/usr/bin/chromium');
  if (o.playwright) files.add('/pw/chrome');
  const ran: string[] = [];
  const probes: Probes = {
    system: () => (files.has('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined),
    playwrightPath: () => '/pw/chrome',
    exists: (p) => files.has(p),
    isRoot: !!o.root,
    hasAptGet: !!o.apt,
    run: (cmd, args) => {
      ran.push([cmd, ...args].join(' '));
      if (cmd === 'npx' && o.online) files.add('/pw/chrome');
      if (cmd === 'apt-get' && args[0] === 'install') files.add('/usr/bin/chromium');
      return cmd === 'apt-get' || !!o.online;
    },
    log: () => {},
  };
  return { probes, ran };
}

describe('ensure-browser', () => {
  it('uses the system Chromium first, without installing anything', () => {
    const m = machine({ system: true, playwright: true, online: true, root: true, apt: true });
    expect(ensureBrowser(m.probes)).toEqual({ ok: true, browser: '/usr/bin/chromium', how: 'system' });
    expect(m.ran).toEqual([]);
  });
  it("then Playwright's browser, already downloaded or downloaded now", () => {
    expect(ensureBrowser(machine({ playwright: true }).probes)).toMatchObject({ ok: true, how: 'playwright' });
    const m = machine({ online: true, root: true, apt: true });
    expect(ensureBrowser(m.probes)).toMatchObject({ ok: true, browser: '/pw/chrome', how: 'playwright-download' });
    expect(m.ran).toEqual(['npx playwright install chromium']);
  });
  it("offline, as root with apt-get: Debian's chromium", () => {
    const m = machine({ root: true, apt: true });
    expect(ensureBrowser(m.probes)).toEqual({ ok: true, browser: '/usr/bin/chromium', how: 'apt' });
    expect(m.ran).toEqual(['npx playwright install chromium', 'apt-get update -qq', 'apt-get install -y -qq chromium']);
  });
  it('otherwise one line that says how to get a browser', () => {
    for (const o of [{}, { root: true }, { apt: true }]) {
      const r = ensureBrowser(machine(o).probes);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.message).toMatch(/^No Chromium for the browser tests: .*apt-get install chromium.*npx playwright install chromium[^\n]*$/);
    }
  });
});

describe('ensure-browser: the Vulkan loader for WebGPU in Node', () => {
  const probes = (o: { linux?: boolean; present?: boolean; root?: boolean; apt?: boolean; installWorks?: boolean }) => {
    let present = !!o.present;
    const ran: string[] = [];
    return {
      ran,
      p: {
        linux: o.linux ?? true,
        loaderPresent: () => present,
        isRoot: !!o.root,
        hasAptGet: !!o.apt,
        run: (cmd: string, args: string[]) => {
          ran.push([cmd, ...args].join(' '));
          if (o.installWorks) present = true;
          return !!o.installWorks;
        },
        log: () => {},
      },
    };
  };
  it('does nothing when the loader is there, or off Linux', () => {
    const m = probes({ present: true, root: true, apt: true, installWorks: true });
    expect(ensureVulkanLoader(m.p)).toEqual({ ok: true, how: 'present' });
    expect(ensureVulkanLoader(probes({ linux: false }).p)).toEqual({ ok: true, how: 'not-linux' });
    expect(m.ran).toEqual([]);
  });
  it('installs libvulkan1 as root with apt-get', () => {
    const m = probes({ root: true, apt: true, installWorks: true });
    expect(ensureVulkanLoader(m.p)).toEqual({ ok: true, how: 'apt' });
    expect(m.ran).toEqual(['apt-get install -y -qq libvulkan1']);
  });
  it('says what to install otherwise', () => {
    const r = ensureVulkanLoader(probes({ root: false, apt: true }).p);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toContain('apt-get install libvulkan1');
  });
});
