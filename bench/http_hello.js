// http_hello.js - the peer of bench_http_hello for bench/http.sh: Node's
// http module answering "Hello, World!" (text/plain) on 127.0.0.1:PORT.
const http = require('http');
const port = Number(process.argv[2] || 0);
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.end('Hello, World!');
});
server.keepAliveTimeout = 10000;
server.listen(port, '127.0.0.1', () => {
  console.log('listening on ' + server.address().port);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.on('SIGINT', () => server.close(() => process.exit(0)));
