// A stand-in for the `vscode` module, installed by intercepting require('vscode').
// vscode-languageclient does `class X extends vscode.Y` at import time, so every member that
// the stub does not define is a dummy class (Proxy), not undefined. The few classes the
// pure code really uses (Uri, Position, Range, Location) behave like VS Code's.
'use strict';
const Module = require('module');

class Position {
  constructor(line, character) {
    this.line = line;
    this.character = character;
  }
}

class Range {
  constructor(a, b, c, d) {
    if (typeof a === 'number') {
      this.start = new Position(a, b);
      this.end = new Position(c, d);
    } else {
      this.start = a;
      this.end = b;
    }
  }
  get isEmpty() {
    return this.start.line === this.end.line && this.start.character === this.end.character;
  }
}

class Location {
  constructor(uri, range) {
    this.uri = uri;
    this.range = range;
  }
}

class Uri {
  constructor(scheme, authority, path, query, fragment) {
    Object.assign(this, { scheme, authority, path, query, fragment });
  }
  static parse(value, strict) {
    const m = /^([a-zA-Z][\w+.-]*):(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/.exec(value);
    if (!m) {
      if (strict) throw new Error(`[UriError]: Scheme is missing: ${value}`);
      return new Uri('file', '', value, '', '');
    }
    return new Uri(m[1], m[2] ?? '', decodeURIComponent(m[3]), m[4] ?? '', m[5] ?? '');
  }
  static file(p) {
    return new Uri('file', '', p, '', '');
  }
  get fsPath() {
    return this.path;
  }
  toString() {
    const enc = this.path.split('/').map(encodeURIComponent).join('/');
    return `${this.scheme}://${this.authority}${enc}`;
  }
}

class Disposable {
  constructor(fn) {
    this.fn = fn;
  }
  dispose() {
    if (this.fn) this.fn();
  }
  static from(...ds) {
    return new Disposable(() => ds.forEach((d) => d.dispose()));
  }
}

const executed = [];
const base = {
  Position,
  Range,
  Location,
  Uri,
  Disposable,
  ViewColumn: { One: 1, Two: 2, Beside: -2, Active: -1 },
  StatusBarAlignment: { Left: 1, Right: 2 },
  FileType: { Unknown: 0, File: 1, Directory: 2, SymbolicLink: 64 },
  TextEditorRevealType: { Default: 0, InCenter: 1, InCenterIfOutsideViewport: 2, AtTop: 3 },
  commands: {
    executed,
    executeCommand: async (...args) => {
      executed.push(args);
      return undefined;
    },
    registerCommand: () => new Disposable(),
  },
  window: {
    shown: [],
    showTextDocument: async (uri, options) => {
      base.window.shown.push({ uri, options });
      return { revealRange() {} };
    },
    showInformationMessage: async () => undefined,
  },
  workspace: {
    workspaceFolders: [],
    getWorkspaceFolder: () => undefined,
  },
  version: '1.100.0',
};

function dummy(name) {
  const D = class {};
  Object.defineProperty(D, 'name', { value: name });
  return D;
}

const cache = new Map();
const vscode = new Proxy(base, {
  get(target, prop) {
    if (prop in target) return target[prop];
    // __esModule: TypeScript's __importStar then uses the Proxy itself instead of copying
    // its (few) own keys, so the dummy classes stay reachable.
    if (prop === '__esModule') return true;
    if (prop === 'then' || typeof prop === 'symbol') return undefined;
    if (!cache.has(prop)) cache.set(prop, dummy(String(prop)));
    return cache.get(prop);
  },
});

const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === 'vscode') return vscode;
  return load.call(this, request, parent, isMain);
};

module.exports = vscode;
