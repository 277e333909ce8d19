#define _GNU_SOURCE
#include <stdio.h>
#include <unistd.h>
#include <fcntl.h>
#include <sched.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
static int p[2];
static void *thr(void*a){ unshare(CLONE_FILES); int fd=open("/etc/hostname",O_RDONLY); dup2(fd,7); pid_t t=gettid(); write(p[1],&t,sizeof t); pause(); return 0;}
int main(void){ pipe(p); pid_t c=fork(); if(!c){ int fd=open("/etc/passwd",O_RDONLY); dup2(fd,7); pthread_t t; pthread_create(&t,0,thr,0); pause();}
 pid_t tid; read(p[0],&tid,sizeof tid); int pt=syscall(SYS_pidfd_open,tid,0200); int r=syscall(SYS_pidfd_getfd,pt,7,0);
 char l[64],b[256]={0}; snprintf(l,64,"/proc/self/fd/%d",r); readlink(l,b,255); printf("thread pidfd fd7 -> %s\n",b);
 kill(c,9); waitpid(c,0,0);}
