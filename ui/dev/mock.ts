import './mock-backend';
import './mock-sync';
import '../src/main';
