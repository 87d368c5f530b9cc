// SPDX-License-Identifier: MIT
//
// goprobe - what a static Go program's runtime needs: its threads, futexes,
// signals (SIGURG for preemption), timers (epoll) and memory; printed so
// that a native run and a run under lstar compare line by line.
//
//	goprobe   goroutines over channels, a mutex, timers, GOMAXPROCS 2,
//	          and a goroutine in a tight loop preempted (GOMAXPROCS 1,
//	          so only async preemption lets main run again)
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"
)

//go:noinline
func spin(stop *int32) {
	for i := 0; *stop == 0; i++ {
	}
}

func main() {
	runtime.GOMAXPROCS(2)
	var wg sync.WaitGroup
	var mu sync.Mutex
	sum := 0
	results := make(chan int, 64)
	for i := 0; i < 64; i++ {
		wg.Add(1)
		go func(n int) {
			defer wg.Done()
			mu.Lock()
			sum += n
			mu.Unlock()
			results <- n * n
		}(i)
	}
	wg.Wait()
	close(results)
	squares := 0
	for v := range results {
		squares += v
	}
	fmt.Println("64 goroutines:", sum, squares)

	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v + 1
		}
		close(pong)
	}()
	v := 0
	for i := 0; i < 1000; i++ {
		ping <- v
		v = <-pong
	}
	close(ping)
	fmt.Println("ping-pong:", v)

	start := time.Now()
	timer := time.NewTimer(30 * time.Millisecond)
	ticker := time.NewTicker(5 * time.Millisecond)
	ticks := 0
	for done := false; !done; {
		select {
		case <-ticker.C:
			ticks++
		case <-timer.C:
			done = true
		}
	}
	// A machine that is busy enough can hold the program back past the
	// timer, so that both are ready at once and the timer is taken
	// first: the ticker then ticks after it, within a second.
	if ticks == 0 {
		select {
		case <-ticker.C:
			ticks++
		case <-time.After(time.Second):
		}
	}
	ticker.Stop()
	fmt.Println("timer after 30 ms:", time.Since(start) >= 30*time.Millisecond, "ticks > 0:", ticks > 0)

	// One P: main sleeps while a goroutine spins without a call that
	// could yield; main runs again only if the runtime preempts the spin
	// with a signal.
	runtime.GOMAXPROCS(1)
	var stop int32
	go spin(&stop)
	time.Sleep(20 * time.Millisecond)
	stop = 1
	fmt.Println("preempted a tight loop: true")
	os.Exit(0)
}
