// Real services on a shared 2-core machine: slow hashes (scrypt) and cold databases need more than
// Jest's 5 s default. (testTimeout is a global option; inside a project only setup files can set it.)
jest.setTimeout(90_000);
