// main.js - entry point of the web client: registers every component; <sr-app> in index.html does the rest.
import './app.js';
