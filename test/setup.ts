// Runs before every test file. @peculiar/x509 needs the reflect polyfill loaded first.
import 'reflect-metadata';
