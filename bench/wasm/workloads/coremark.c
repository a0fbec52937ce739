/* A CoreMark-like integer mix: linked-list search and sort, small integer matrix
 * arithmetic, a state machine over text, and CRC-16, each iteration feeding the next. */
#include "rt.h"

typedef struct Node { struct Node* next; int16_t data; int16_t idx; } Node;

#define LIST 200
#define MAT 16
static Node nodes[LIST];
static int16_t ma[MAT * MAT], mb[MAT * MAT];
static int32_t mc[MAT * MAT];
static char text[256];

static uint16_t crc16(uint16_t crc, uint8_t data) {
  for (int i = 0; i < 8; i++) {
    uint8_t x = (data ^ (uint8_t)crc) & 1;
    data >>= 1;
    crc >>= 1;
    if (x) crc ^= 0xa001;
  }
  return crc;
}

static Node* list_init(void) {
  for (int i = 0; i < LIST; i++) {
    nodes[i].next = i + 1 < LIST ? &nodes[i + 1] : 0;
    nodes[i].data = (int16_t)(rng() & 0x7fff);
    nodes[i].idx = (int16_t)i;
  }
  return &nodes[0];
}

static Node* list_sort(Node* head, int by_data) {
  /* Merge sort on a singly linked list. */
  int insize = 1;
  for (;;) {
    Node *p = head, *tail = 0;
    head = 0;
    int merges = 0;
    while (p) {
      merges++;
      Node* q = p;
      int psize = 0;
      for (int i = 0; i < insize && q; i++) { psize++; q = q->next; }
      int qsize = insize;
      while (psize > 0 || (qsize > 0 && q)) {
        Node* e;
        if (psize == 0) { e = q; q = q->next; qsize--; }
        else if (qsize == 0 || !q) { e = p; p = p->next; psize--; }
        else if ((by_data ? p->data <= q->data : p->idx <= q->idx)) { e = p; p = p->next; psize--; }
        else { e = q; q = q->next; qsize--; }
        if (tail) tail->next = e; else head = e;
        tail = e;
      }
      p = q;
    }
    tail->next = 0;
    if (merges <= 1) return head;
    insize *= 2;
  }
}

static int list_find(Node* head, int16_t v) {
  int n = 0;
  for (; head; head = head->next, n++) if (head->data == v) return n;
  return -1;
}

static int32_t matrix(int16_t k) {
  for (int i = 0; i < MAT * MAT; i++) { ma[i] = (int16_t)(ma[i] + k); mb[i] = (int16_t)(mb[i] ^ k); }
  int32_t acc = 0;
  for (int i = 0; i < MAT; i++)
    for (int j = 0; j < MAT; j++) {
      int32_t s = 0;
      for (int x = 0; x < MAT; x++) s += (int32_t)ma[i * MAT + x] * mb[x * MAT + j];
      mc[i * MAT + j] = s;
      acc += (s >> 2) & 0xff;
    }
  return acc;
}

static int state_machine(void) {
  int state = 0, counts[4] = {0, 0, 0, 0};
  for (int i = 0; i < 256; i++) {
    char c = text[i];
    switch (state) {
      case 0: state = (c >= '0' && c <= '9') ? 1 : (c == '-' ? 2 : 3); break;
      case 1: if (c == '.') state = 2; else if (c < '0' || c > '9') state = 0; break;
      case 2: state = (c >= '0' && c <= '9') ? 1 : 0; break;
      default: if (c == ',') state = 0; break;
    }
    counts[state]++;
  }
  return counts[0] * 3 + counts[1] * 5 + counts[2] * 7 + counts[3];
}

EXPORT uint64_t run(void) {
  for (int i = 0; i < MAT * MAT; i++) { ma[i] = (int16_t)(rng() & 0xff); mb[i] = (int16_t)(rng() & 0xff); }
  for (int i = 0; i < 256; i++) {
    static const char alphabet[] = "0123456789-.,abc";
    text[i] = alphabet[rng() & 15];
  }
  uint16_t crc = 0;
  for (int it = 0; it < 2000; it++) {
    Node* head = list_init();
    head = list_sort(head, 1);
    int f = list_find(head, nodes[it % LIST].data);
    head = list_sort(head, 0);
    int32_t m = matrix((int16_t)(it & 7));
    int s = state_machine();
    crc = crc16(crc, (uint8_t)f);
    crc = crc16(crc, (uint8_t)m);
    crc = crc16(crc, (uint8_t)(m >> 8));
    crc = crc16(crc, (uint8_t)s);
    text[it & 255] = (char)('0' + (crc & 15));
  }
  return crc;
}
