import './mock-backend';
import '../src/main';
